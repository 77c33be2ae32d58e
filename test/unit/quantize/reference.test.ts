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
import { prepareModel } from '../../../src/core/quantize/prepare';
import { ensurePythonEnv } from '../../../scripts/lib/python-env.mjs';
import { buildTransformerBlock } from './models';

const env = ensurePythonEnv();

const QUANTIZE = `
import sys
from onnxruntime.quantization import quantize_dynamic, QuantType
folder = sys.argv[1]
for name in sys.argv[2:]:
    for per_channel in (False, True):
        quantize_dynamic(f"{folder}/{name}.onnx", f"{folder}/{name}.ort{int(per_channel)}.onnx",
                         per_channel=per_channel, weight_type=QuantType.QInt8)
`;

test('dynamic int8 weights, scales and outputs match ORT quantize_dynamic (per tensor and per channel)', { skip: env.error && `ORT Python reference unavailable: ${env.error}` }, async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lathe-quantize-ref-'));
  try {
    const models = {
      mlp: buildMlp({ inputSize: 128, hidden: [256, 64], outputSize: 10, seed: 11 }),
      encoder: prepareModel(buildTransformerBlock({ seed: 12 })).model,
    };
    for (const [name, model] of Object.entries(models)) await saveModel(model, path.join(dir, `${name}.onnx`));
    const r = spawnSync(env.python!, ['-c', QUANTIZE, dir, ...Object.keys(models)], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    for (const [name, model] of Object.entries(models)) {
      for (const perChannel of [false, true]) {
        const theirs = await loadModel(path.join(dir, `${name}.ort${Number(perChannel)}.onnx`));
        const { model: ours, report } = quantizeDynamic(model, { perChannel });
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
