// Training throughput (samples/s) of an MLP 784-256-10 with softmax cross-entropy and SGD: Lathe's training-step
// graph on onnxruntime-node against PyTorch on the same model, batch sizes 64 and 256, measured in the same run.
// Each side is tried in several configurations (threads; for PyTorch also the OpenBLAS kernel) and the best is
// compared: a baseline in a bad configuration proves nothing. LATHE_BENCH_SCALE=0.1 shortens each measurement.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { buildMlp } from '../src/core/onnx/mlp';
import { initialWeights, TrainingSession } from '../src/core/train/session';
import { buildStepModel } from '../src/core/train/step';

const SCALE = Number(process.env.LATHE_BENCH_SCALE ?? '1');
const SECONDS = 2 * SCALE;
const BATCHES = [64, 256];
const THREADS = [1, 2];
const PYTHON = '/usr/bin/python3';

interface Measured {
  batch: number;
  threads: number;
  samples_per_s: number;
  config?: string;
}

async function lathe(batch: number, threads: number): Promise<Measured> {
  const forward = buildMlp({ inputSize: 784, hidden: [256], outputSize: 10, seed: 0 });
  const step = buildStepModel(forward, { loss: { kind: 'cross-entropy' }, optimizer: { kind: 'sgd' } });
  const session = await TrainingSession.create(step, initialWeights(forward, step), { threads });
  const feeds = {
    input: new ort.Tensor('float32', Float32Array.from({ length: batch * 784 }, (_, i) => (i % 97) / 97), [batch, 784]),
    labels: new ort.Tensor('int64', BigInt64Array.from({ length: batch }, (_, i) => BigInt(i % 10)), [batch]),
  };
  for (let i = 0; i < 20; i++) await session.run(feeds, 0.01);
  let steps = 0;
  const start = performance.now();
  while (performance.now() - start < SECONDS * 1000) {
    for (let i = 0; i < 10; i++) await session.run(feeds, 0.01);
    steps += 10;
  }
  const elapsed = (performance.now() - start) / 1000;
  await session.release();
  return { batch, threads, samples_per_s: (steps * batch) / elapsed };
}

function torch(batch: number, threads: number, coretype: string | undefined): Measured | { error: string } {
  const env = { ...process.env, OMP_NUM_THREADS: String(threads), ...(coretype ? { OPENBLAS_CORETYPE: coretype } : {}) };
  const r = spawnSync(PYTHON, [path.join(__dirname, 'train-mlp-torch.py'), String(batch), String(threads), String(SECONDS)], { env, encoding: 'utf8' });
  if (r.status !== 0) return { error: (r.stderr || `exit ${r.status}`).trim().split('\n').pop()! };
  return { ...(JSON.parse(r.stdout.trim()) as Measured), config: `OPENBLAS_CORETYPE=${coretype ?? '(default)'}, threads=${threads}` };
}

function best<T extends { samples_per_s: number }>(list: (T | { error: string })[]): T | undefined {
  return list.filter((m): m is T => 'samples_per_s' in m).sort((a, b) => b.samples_per_s - a.samples_per_s)[0];
}

async function main(): Promise<void> {
  const torchAvailable = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
  const results = [];
  for (const batch of BATCHES) {
    const ours: Measured[] = [];
    for (const threads of THREADS) ours.push(await lathe(batch, threads));
    const theirs = torchAvailable ? THREADS.flatMap((t) => [undefined, 'SkylakeX', 'Haswell'].map((c) => torch(batch, t, c))) : [];
    const a = best(ours)!;
    const b = best(theirs);
    results.push({
      batch,
      lathe: { best: a, all: ours },
      pytorch: b ? { best: b, all: theirs } : { skipped: 'PyTorch is not installed for /usr/bin/python3' },
      speedup: b ? Number((a.samples_per_s / b.samples_per_s).toFixed(3)) : null,
    });
  }
  console.log(JSON.stringify({ bench: 'train-mlp', model: 'MLP 784-256-10, softmax cross-entropy, SGD', seconds_per_measurement: SECONDS, results }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
