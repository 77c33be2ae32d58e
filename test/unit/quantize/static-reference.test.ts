// Lathe's static QDQ int8 and calibration against ONNX Runtime's own Python quantizer (quantize_static with a
// CalibrationDataReader, and its calibrators) on the same calibration data.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { buildMlp, inspectModel, loadModel, readTensor, saveModel } from '../../../src/core/onnx';
import { calibrate } from '../../../src/core/quantize/calibrate';
import { evaluateModels, generateInputs, type Feeds } from '../../../src/core/quantize/evaluate';
import { mainGraph } from '../../../src/core/quantize/graph';
import { prepareModel } from '../../../src/core/quantize/prepare';
import { quantizeStatic } from '../../../src/core/quantize/static';
import { ensurePythonEnv } from '../../../scripts/lib/python-env.mjs';
import { buildCnn, buildTransformerBlock } from './models';

const env = ensurePythonEnv();
const skip = env.error && `ORT Python reference unavailable: ${env.error}`;

// calibration inputs go over as raw float32 with a JSON header; each config is one quantize_static call
const REFERENCE = `
import sys, json, numpy as np
from onnxruntime.quantization import quantize_static, QuantType, QuantFormat, CalibrationDataReader, CalibrationMethod
from onnxruntime.quantization.calibrate import create_calibrator
folder = sys.argv[1]
jobs = json.load(open(f"{folder}/jobs.json"))
def batches(name):
    spec = json.load(open(f"{folder}/{name}.json"))
    raw = np.fromfile(f"{folder}/{name}.bin", dtype=np.float32)
    n = int(np.prod(spec['dims']))
    return [{spec['input']: raw[i*n:(i+1)*n].reshape(spec['dims'])} for i in range(spec['count'])]
class Reader(CalibrationDataReader):
    def __init__(self, name): self.items = batches(name)
    def get_next(self): return self.items.pop(0) if self.items else None
methods = {'minmax': CalibrationMethod.MinMax, 'percentile': CalibrationMethod.Percentile, 'entropy': CalibrationMethod.Entropy}
for job in jobs['static']:
    quantize_static(f"{folder}/{job['model']}.onnx", f"{folder}/{job['out']}.onnx", Reader(job['model']), quant_format=QuantFormat.QDQ,
        op_types_to_quantize=['Conv', 'MatMul', 'Gemm'], per_channel=job['perChannel'],
        activation_type=QuantType.QUInt8 if job['activationType'] == 'uint8' else QuantType.QInt8, weight_type=QuantType.QInt8,
        calibrate_method=methods[job['method']], extra_options={'ActivationSymmetric': job['symmetric']})
ranges = {}
for job in jobs['calibrate']:
    c = create_calibrator(f"{folder}/{job['model']}.onnx", ['MatMul', 'Gemm', 'Conv'], augmented_model_path=f"{folder}/augmented.onnx",
        calibrate_method=methods[job['method']], extra_options=job['options'])
    c.collect_data(Reader(job['model']))
    ranges[job['out']] = {k: [float(v.range_value[0]), float(v.range_value[1])] for k, v in c.compute_data().items()}
json.dump(ranges, open(f"{folder}/ranges.json", "w"))
`;

async function writeInputs(dir: string, name: string, inputs: Feeds[]): Promise<void> {
  const [input] = Object.keys(inputs[0]);
  await fs.writeFile(path.join(dir, `${name}.json`), JSON.stringify({ input, dims: inputs[0][input].dims, count: inputs.length }));
  await fs.writeFile(path.join(dir, `${name}.bin`), Buffer.concat(inputs.map((f) => Buffer.from((f[input].data as Float32Array).buffer))));
}

const CONFIGS = [
  { method: 'minmax', perChannel: false, activationType: 'uint8', symmetric: false },
  { method: 'minmax', perChannel: true, activationType: 'int8', symmetric: true },
  { method: 'percentile', perChannel: false, activationType: 'uint8', symmetric: false },
  { method: 'entropy', perChannel: true, activationType: 'int8', symmetric: false },
] as const;

test('static QDQ int8 matches ORT quantize_static: scales, zero points, int8 weights, outputs (MLP, CNN, transformer)', { skip }, async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lathe-quantize-static-ref-'));
  try {
    const models = {
      mlp: buildMlp({ inputSize: 64, hidden: [64], outputSize: 10, seed: 21 }),
      cnn: prepareModel(buildCnn({ seed: 22 })).model,
      encoder: prepareModel(buildTransformerBlock({ seed: 23 })).model,
    };
    const inputs = Object.fromEntries(Object.entries(models).map(([name, m]) => [name, generateInputs(m, 6, 31, 2)]));
    const jobs = {
      static: Object.keys(models).flatMap((model) => CONFIGS.map((c, i) => ({ model, out: `${model}.ort${i}`, ...c }))),
      // more histogram bins than quantized bins: the KL search really searches
      calibrate: Object.keys(models).flatMap((model) => [
        { model, out: `${model}.entropy512`, method: 'entropy', options: { num_bins: 512, num_quantized_bins: 128 } },
        { model, out: `${model}.percentile99`, method: 'percentile', options: { num_bins: 1024, percentile: 99.0 } },
      ]),
    };
    for (const [name, model] of Object.entries(models)) {
      await saveModel(model, path.join(dir, `${name}.onnx`));
      await writeInputs(dir, name, inputs[name]);
    }
    await fs.writeFile(path.join(dir, 'jobs.json'), JSON.stringify(jobs));
    const r = spawnSync(env.python!, ['-c', REFERENCE, dir], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);

    for (const [name, model] of Object.entries(models)) {
      for (const [i, c] of CONFIGS.entries()) {
        const where = `${name} ${JSON.stringify(c)}`;
        const theirs = await loadModel(path.join(dir, `${name}.ort${i}.onnx`));
        const options = { method: c.method, perChannel: c.perChannel, activationType: c.activationType, symmetricActivations: c.symmetric };
        const { model: ours, report } = await quantizeStatic(model, inputs[name], options);
        assert.deepEqual(inspectModel(ours).opCounts, inspectModel(theirs).opCounts, where);
        const tensors = new Map(mainGraph(theirs).initializer.map((t) => [t.name, readTensor(t).data]));
        for (const a of report.activations) {
          const scale = tensors.get(`${a.tensor}_scale`)?.[0] as number;
          // calibration runs through ORT's kernels on both sides; fused ones may differ in the last bit
          assert.ok(Math.abs(scale - a.scale) <= 2e-7 * scale, `${where}: ${a.tensor} scale ${a.scale} vs ORT ${scale}`);
          assert.equal(tensors.get(`${a.tensor}_zero_point`)?.[0], a.zeroPoint, `${where}: ${a.tensor} zero point`);
        }
        for (const t of mainGraph(ours).initializer.filter((t) => t.name?.endsWith('.weight_quantized'))) {
          assert.deepEqual(readTensor(t).data, tensors.get(t.name ?? ''), `${where}: ${t.name}`);
        }
        const ev = await evaluateModels(theirs, ours, { inputs: inputs[name], runs: 1, warmup: 0 });
        assert.ok(ev.outputs[0].maxAbsError <= 1e-5, `${where}: max abs error vs ORT ${ev.outputs[0].maxAbsError}`);
      }
    }

    const reference = JSON.parse(await fs.readFile(path.join(dir, 'ranges.json'), 'utf8')) as Record<string, Record<string, [number, number]>>;
    for (const job of jobs.calibrate) {
      const theirs = reference[job.out];
      const names = Object.keys(theirs).filter((t) => !mainGraph(models[job.model as keyof typeof models]).output.some((o) => o.name === t));
      const options = job.method === 'entropy' ? { method: 'entropy' as const, numBins: 512, numQuantizedBins: 128 } : { method: 'percentile' as const, numBins: 1024, percentile: 99 };
      const ours = await calibrate(models[job.model as keyof typeof models], names, inputs[job.model], options);
      for (const t of names) {
        const [lo, hi] = theirs[t];
        const width = hi - lo;
        const got = ours.get(t)!;
        // histogram edges are float32 on both sides; a value on an edge may fall into the neighbouring bin
        assert.ok(Math.abs(got.lo - lo) <= 0.01 * width && Math.abs(got.hi - hi) <= 0.01 * width, `${job.out} ${t}: [${got.lo}, ${got.hi}] vs ORT [${lo}, ${hi}]`);
      }
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
