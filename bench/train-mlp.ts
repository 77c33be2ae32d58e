// Training throughput (samples/s) of an MLP 784-256-10 with softmax cross-entropy and SGD: Lathe's training-step
// graph on onnxruntime-node against PyTorch on the same model, batch sizes 64 and 256, measured in the same run.
// Each side is tried in several configurations (threads; Debian's torch 1.13 also with several OpenBLAS kernels;
// the wheel mirror's torch 2.x) and the best is compared: a baseline in a bad configuration proves nothing.
// Measurements alternate between all configurations for several rounds and each keeps its best round, so a busy
// machine penalises both sides alike. LATHE_BENCH_SCALE=0.1 shortens each measurement.
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { buildMlp } from '../src/core/onnx/mlp';
import { DEFAULT_STEPS_PER_RUN, initialWeights, TrainingSession } from '../src/core/train/session';
import { buildStepModel } from '../src/core/train/step';
import { loadAverage, ratio, torchPeers, TorchWorker } from './lib/torch-peers';

const SCALE = Number(process.env.LATHE_BENCH_SCALE ?? '1');
const SECONDS = 0.8 * SCALE;
const ROUNDS = 3;
const BATCHES = [64, 256];
const THREADS = [1, 2];

interface Measured {
  side: 'lathe' | 'debian' | 'wheel';
  config: string;
  batch: number;
  samples_per_s: number;
}

/** Steps per ORT run tried: one at a time, and the training loop's default (the updated weights cross once per run). */
const STEPS_PER_RUN = [1, DEFAULT_STEPS_PER_RUN];

async function lathe(batch: number, threads: number, stepsPerRun: number): Promise<number> {
  const forward = buildMlp({ inputSize: 784, hidden: [256], outputSize: 10, seed: 0 });
  // like the PyTorch step: loss and update, no accuracy count
  const step = buildStepModel(forward, { loss: { kind: 'cross-entropy' }, optimizer: { kind: 'sgd' }, accuracy: false });
  const session = await TrainingSession.create(step, initialWeights(forward, step), { threads, stepsPerRun });
  const feeds = {
    input: new ort.Tensor('float32', Float32Array.from({ length: batch * 784 }, (_, i) => (i % 97) / 97), [batch, 784]),
    labels: new ort.Tensor('int64', BigInt64Array.from({ length: batch }, (_, i) => BigInt(i % 10)), [batch]),
  };
  // as trainModel runs them: stepsPerRun batches at once
  const group = Array.from({ length: session.stepsPerRun }, () => feeds);
  const lrs = group.map(() => 0.01);
  for (let i = 0; i < 20; i += group.length) await session.runSteps(group, lrs);
  let steps = 0;
  const start = performance.now();
  while (performance.now() - start < SECONDS * 1000) {
    await session.runSteps(group, lrs);
    steps += group.length;
  }
  const elapsed = (performance.now() - start) / 1000;
  await session.release();
  return (steps * batch) / elapsed;
}

async function main(): Promise<void> {
  const { peers, skipped } = torchPeers();
  const workers = peers.map((p) => new TorchWorker(p, path.join(__dirname, 'train-mlp-torch.py')));
  const best = new Map<string, Measured>();
  const keep = (m: Measured) => {
    const key = `${m.side} ${m.batch} ${m.config}`;
    if ((best.get(key)?.samples_per_s ?? 0) < m.samples_per_s) best.set(key, m);
  };
  const loadBefore = loadAverage();
  for (let round = 0; round < ROUNDS; round++) {
    for (const batch of BATCHES) {
      for (const threads of THREADS) {
        for (const k of STEPS_PER_RUN) {
          keep({ side: 'lathe', config: `threads=${threads}, ${k} step${k === 1 ? '' : 's'} per run`, batch, samples_per_s: await lathe(batch, threads, k) });
        }
        for (const w of workers) {
          const r = await w.ask<{ samples_per_s: number }>({ batch, threads, seconds: SECONDS });
          keep({ side: w.peer.torch, config: `${w.peer.label}, threads=${threads}`, batch, samples_per_s: r.samples_per_s });
        }
      }
    }
  }
  for (const w of workers) w.close();
  const round = (list: Measured[]) => list.map((m) => ({ config: m.config, samples_per_s: Math.round(m.samples_per_s) }));
  const results = BATCHES.map((batch) => {
    const of = (side: string) => [...best.values()].filter((m) => m.side === side && m.batch === batch).sort((a, b) => b.samples_per_s - a.samples_per_s);
    const [ours, debian, wheel] = [of('lathe'), of('debian'), of('wheel')];
    const peer = (list: Measured[], torch: string) => (list.length ? { best: round(list)[0], all: round(list) } : { skipped: skipped[torch] });
    const bestPeer = [...debian, ...wheel].sort((a, b) => b.samples_per_s - a.samples_per_s)[0];
    return {
      batch,
      lathe: { best: round(ours)[0], all: round(ours) },
      debian_torch: peer(debian, 'debian'),
      wheel_torch: peer(wheel, 'wheel'),
      best_peer: bestPeer ? bestPeer.config : null,
      speedup_vs_best_peer: ratio(ours[0].samples_per_s, bestPeer?.samples_per_s),
      speedup_vs_debian: ratio(ours[0].samples_per_s, debian[0]?.samples_per_s),
      speedup_vs_wheel: ratio(ours[0].samples_per_s, wheel[0]?.samples_per_s),
    };
  });
  console.log(JSON.stringify({
    bench: 'train-mlp', model: 'MLP 784-256-10, softmax cross-entropy, SGD',
    goal: 'lathe >= 1.0x the best PyTorch throughput', goal_met: results.every((r) => (r.speedup_vs_best_peer ?? 0) >= 1),
    seconds_per_measurement: SECONDS, rounds: ROUNDS, load_average: { before: loadBefore, after: loadAverage() }, results,
  }));
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
