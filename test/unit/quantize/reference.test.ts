// Lathe's dynamic int8 against ONNX Runtime's own Python quantizer (onnxruntime.quantization.quantize_dynamic).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { buildMlp, loadModel, readTensor, saveModel } from '../../../src/core/onnx';
import { quantizeDynamic } from '../../../src/core/quantize/dynamic';
import { evaluateModels } from '../../../src/core/quantize/evaluate';
import { mainGraph } from '../../../src/core/quantize/graph';
import { quantizeInt4 } from '../../../src/core/quantize/int4';
import { prepareModel } from '../../../src/core/quantize/prepare';
import { ensurePythonEnv } from '../../../scripts/lib/python-env.mjs';
import { buildCnn, buildTransformerBlock } from './models';

const env = ensurePythonEnv();
const skip = env.error && `ORT Python reference unavailable: ${env.error}`;

const QUANTIZE = `
import sys
from onnxruntime.quantization import quantize_dynamic, QuantType
folder = sys.argv[1]
for name in sys.argv[2:]:
    for per_channel in (False, True):
        quantize_dynamic(f"{folder}/{name}.onnx", f"{folder}/{name}.ort{int(per_channel)}.onnx",
                         per_channel=per_channel, weight_type=QuantType.QInt8)
`;

test('dynamic int8 weights, scales and outputs match ORT quantize_dynamic on MLP, transformer, CNN (per tensor and per channel)', { skip }, async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lathe-quantize-ref-'));
  try {
    const models = {
      mlp: buildMlp({ inputSize: 128, hidden: [256, 64], outputSize: 10, seed: 11 }),
      encoder: prepareModel(buildTransformerBlock({ seed: 12 })).model,
      // ORT quantizes Conv (ConvInteger) by default; Lathe when asked
      cnn: prepareModel(buildCnn({ seed: 14 })).model,
    };
    for (const [name, model] of Object.entries(models)) await saveModel(model, path.join(dir, `${name}.onnx`));
    const r = spawnSync(env.python!, ['-c', QUANTIZE, dir, ...Object.keys(models)], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    for (const [name, model] of Object.entries(models)) {
      for (const perChannel of [false, true]) {
        const theirs = await loadModel(path.join(dir, `${name}.ort${Number(perChannel)}.onnx`));
        const { model: ours, report } = quantizeDynamic(model, { perChannel, quantizeConv: true });
        assert.equal(report.skipped.length, name === 'encoder' ? 2 : 0, `${name}: only the attention MatMuls stay float`);
        const tensors = new Map(mainGraph(theirs).initializer.map((t) => [t.name, t]));
        for (const { weight } of report.quantized) {
          for (const suffix of ['_quantized', '_scale', '_zero_point']) {
            const mine = readTensor(mainGraph(ours).initializer.find((t) => t.name === weight + suffix)!);
            const reference = tensors.get(weight + suffix);
            assert.ok(reference, `ORT has no ${weight + suffix}`);
            assert.deepEqual(mine, readTensor(reference), `${name} ${weight + suffix} per-channel=${perChannel}`);
          }
        }
        const ev = await evaluateModels(theirs, ours, { samples: 8, batch: 2, runs: 1, warmup: 0 });
        assert.ok(ev.outputs[0].maxAbsError <= 1e-6, `${name}: max abs error vs ORT ${ev.outputs[0].maxAbsError}`);
        assert.equal(ev.outputs[0].top1Agreement, 1);
        // the same initializers; ORT's file is larger only by the shape-inference value_info it writes
        assert.ok(ev.size.ratio <= 1, `${name}: size vs ORT ${ev.size.ratio}`);
      }
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

const QUANTIZE_INT4 = `
import sys, onnx
from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer, DefaultWeightOnlyQuantConfig
folder, name = sys.argv[1], sys.argv[2]
for block_size in (32, 128):
    for symmetric in (False, True):
        q = MatMulNBitsQuantizer(onnx.load(f"{folder}/{name}.onnx"),
                                 algo_config=DefaultWeightOnlyQuantConfig(block_size=block_size, is_symmetric=symmetric))
        q.process()
        onnx.save(q.model.model, f"{folder}/{name}.ort{block_size}{int(symmetric)}.onnx")
`;

test('int4 MatMulNBits weights, scales, zero points and outputs match ORT MatMulNBitsQuantizer', { skip }, async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lathe-quantize-ref4-'));
  try {
    // K = 100 is not a multiple of any block size: the padding must match too
    const mlp = buildMlp({ inputSize: 100, hidden: [160], outputSize: 10, seed: 13 });
    await saveModel(mlp, path.join(dir, 'mlp.onnx'));
    const r = spawnSync(env.python!, ['-c', QUANTIZE_INT4, dir, 'mlp'], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    for (const blockSize of [32, 128]) {
      for (const symmetric of [false, true]) {
        const theirs = await loadModel(path.join(dir, `mlp.ort${blockSize}${Number(symmetric)}.onnx`));
        const { model: ours, report } = quantizeInt4(mlp, { blockSize, symmetric });
        const tensors = new Map(mainGraph(theirs).initializer.map((t) => [t.name, t]));
        for (const { weight } of report.quantized) {
          for (const suffix of ['_Q4', '_scales', ...(symmetric ? [] : ['_zero_points'])]) {
            const mine = mainGraph(ours).initializer.find((t) => t.name === weight + suffix)!;
            const reference = tensors.get(weight + suffix);
            assert.ok(reference, `ORT has no ${weight + suffix}`);
            const where = `${weight + suffix} block ${blockSize} symmetric=${symmetric}`;
            assert.deepEqual(mine.dims?.map(Number), reference.dims?.map(Number), where);
            assert.deepEqual(Buffer.from(mine.rawData ?? []), Buffer.from(reference.rawData ?? []), where);
          }
        }
        const ev = await evaluateModels(theirs, ours, { samples: 8, batch: 2, runs: 1, warmup: 0 });
        assert.ok(ev.outputs[0].maxAbsError <= 1e-6, `block ${blockSize}: max abs error vs ORT ${ev.outputs[0].maxAbsError}`);
      }
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
