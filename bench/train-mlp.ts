// Training throughput (samples/s) of an MLP 784-256-10 with softmax cross-entropy and SGD: Lathe's training-step
// graph on onnxruntime-node against PyTorch on the same model, batch sizes 64 and 256, measured in the same run.
// Each side is tried in several configurations (threads; for PyTorch also the OpenBLAS kernel) and the best is
// compared: a baseline in a bad configuration proves nothing. Measurements alternate between all configurations
// for several rounds and each keeps its best round, so a busy machine penalises both sides alike.
// LATHE_BENCH_SCALE=0.1 shortens each measurement.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import * as ort from 'onnxruntime-node';
import { buildMlp } from '../src/core/onnx/mlp';
import { initialWeights, TrainingSession } from '../src/core/train/session';
import { buildStepModel } from '../src/core/train/step';

const SCALE = Number(process.env.LATHE_BENCH_SCALE ?? '1');
const SECONDS = 0.8 * SCALE;
const ROUNDS = 3;
const BATCHES = [64, 256];
const THREADS = [1, 2];
const CORETYPES = ['(default)', 'SkylakeX', 'Haswell'];
const PYTHON = '/usr/bin/python3';

interface Measured {
  side: 'lathe' | 'pytorch';
  config: string;
  batch: number;
  samples_per_s: number;
}

async function lathe(batch: number, threads: number): Promise<number> {
  const forward = buildMlp({ inputSize: 784, hidden: [256], outputSize: 10, seed: 0 });
  // like the PyTorch step: loss and update, no accuracy count
  const step = buildStepModel(forward, { loss: { kind: 'cross-entropy' }, optimizer: { kind: 'sgd' }, accuracy: false });
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
  return (steps * batch) / elapsed;
}

/** A PyTorch worker process with one OpenBLAS kernel; ask() measures one configuration. */
class TorchWorker {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: AsyncIterator<string>;

  constructor(readonly coretype: string) {
    const env = { ...process.env, ...(coretype === '(default)' ? {} : { OPENBLAS_CORETYPE: coretype }) };
    this.child = spawn(PYTHON, [path.join(__dirname, 'train-mlp-torch.py')], { env });
    this.lines = createInterface({ input: this.child.stdout })[Symbol.asyncIterator]();
  }

  async ask(batch: number, threads: number): Promise<{ samples_per_s: number; torch: string }> {
    this.child.stdin.write(`${batch} ${threads} ${SECONDS}\n`);
    const next = await this.lines.next();
    if (next.done) throw new Error(`the PyTorch worker (OPENBLAS_CORETYPE=${this.coretype}) exited`);
    return JSON.parse(next.value) as { samples_per_s: number; torch: string };
  }

  close(): void {
    this.child.stdin.end();
  }
}

async function main(): Promise<void> {
  const torchAvailable = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
  const workers = torchAvailable ? CORETYPES.map((c) => new TorchWorker(c)) : [];
  const best = new Map<string, Measured>();
  let torchVersion: string | undefined;
  const keep = (m: Measured) => {
    const key = `${m.side} ${m.batch} ${m.config}`;
    if ((best.get(key)?.samples_per_s ?? 0) < m.samples_per_s) best.set(key, m);
  };
  for (let round = 0; round < ROUNDS; round++) {
    for (const batch of BATCHES) {
      for (const threads of THREADS) {
        keep({ side: 'lathe', config: `threads=${threads}`, batch, samples_per_s: await lathe(batch, threads) });
        for (const w of workers) {
          const r = await w.ask(batch, threads);
          torchVersion = r.torch;
          keep({ side: 'pytorch', config: `OPENBLAS_CORETYPE=${w.coretype}, threads=${threads}`, batch, samples_per_s: r.samples_per_s });
        }
      }
    }
  }
  for (const w of workers) w.close();
  const results = BATCHES.map((batch) => {
    const of = (side: string) => [...best.values()].filter((m) => m.side === side && m.batch === batch).sort((a, b) => b.samples_per_s - a.samples_per_s);
    const [ours, theirs] = [of('lathe'), of('pytorch')];
    const round = (list: Measured[]) => list.map((m) => ({ config: m.config, samples_per_s: Math.round(m.samples_per_s) }));
    return {
      batch,
      lathe: { best: round(ours)[0], all: round(ours) },
      pytorch: theirs.length ? { best: round(theirs)[0], all: round(theirs) } : { skipped: 'PyTorch is not installed for /usr/bin/python3' },
      speedup: theirs.length ? Number((ours[0].samples_per_s / theirs[0].samples_per_s).toFixed(3)) : null,
    };
  });
  console.log(JSON.stringify({
    bench: 'train-mlp', model: 'MLP 784-256-10, softmax cross-entropy, SGD', torch: torchVersion ?? null,
    seconds_per_measurement: SECONDS, rounds: ROUNDS, results,
  }));
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
