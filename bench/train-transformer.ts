// Training a small transformer encoder classifier (d 128, 2 layers, 4 heads, seq 64, AdamW, batch 32): ms/step and
// samples/s of Lathe's training-step graph on onnxruntime-node against PyTorch on the same model — Debian's torch
// 1.13 (several OpenBLAS kernels) and the wheel mirror's torch 2.x, threads 1 and 2, best of each compared.
// Then LoRA (rank 8 on the attention query and value projections, via applyLora) against full fine-tuning: step
// time and the memory the training session adds (RSS growth, measured in a fresh process per configuration), on
// this transformer and on one of ≥ 10M parameters where weights and optimizer state dominate. Step times are
// medians (both sides), as bursts of load from other jobs on the shared machine skew means.
// LATHE_BENCH_SCALE=0.1 shortens every measurement for a smoke run.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import type { onnx } from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { applyLora } from '../src/core/lora/inject';
import { elementCount, tensorDims } from '../src/core/onnx/tensor';
import { buildTransformer, type TransformerOptions } from '../src/core/train/presets/transformer';
import { initialWeights, TrainingSession } from '../src/core/train/session';
import { buildStepModel } from '../src/core/train/step';
import { loadAverage, ratio, torchPeers, TorchWorker } from './lib/torch-peers';

const SCALE = Number(process.env.LATHE_BENCH_SCALE ?? '1');
const SECONDS = 2 * SCALE;
const ROUNDS = 2;
// each LoRA/full configuration runs in its own process; more rounds, as the shared machine's noise is large
const LORA_ROUNDS = SCALE < 1 ? 1 : 3;
const THREADS = [1, 2];
const LORA = { targets: 'attention-qv', rank: 8, alpha: 16, seed: 0 } as const;

type Config = Omit<TransformerOptions, 'seed'>;
const MODELS: Record<'small' | 'large', { config: Config; batch: number }> = {
  small: { config: { dModel: 128, heads: 4, layers: 2, ffn: 512, seq: 64, vocab: 1000, classes: 10 }, batch: 32 },
  // ~13M parameters and a small batch: weights, gradients and AdamW state outweigh the activations
  large: { config: { dModel: 512, heads: 8, layers: 4, ffn: 2048, seq: 32, vocab: 1000, classes: 10 }, batch: 8 },
};

function batchFeeds(config: Config, batch: number): Record<string, ort.Tensor> {
  return {
    input: new ort.Tensor('int64', BigInt64Array.from({ length: batch * config.seq }, (_, i) => BigInt((i * 7919) % config.vocab)), [batch, config.seq]),
    labels: new ort.Tensor('int64', BigInt64Array.from({ length: batch }, (_, i) => BigInt(i % config.classes)), [batch]),
  };
}

function parameterCount(model: onnx.IModelProto, names?: readonly string[]): number {
  const wanted = names && new Set(names);
  return (model.graph?.initializer ?? []).filter((t) => (wanted ? wanted.has(t.name ?? '') : t.dataType === 1)).reduce((n, t) => n + elementCount(tensorDims(t)), 0);
}

/**
 * The median time per step of the runs in `seconds` (at least 3), each run training on stepsPerRun batches as the
 * training loop does: robust to the shared machine's bursts, like the peers'.
 */
async function medianStep(session: TrainingSession, feeds: Record<string, ort.Tensor>, seconds: number): Promise<number> {
  const group = Array.from({ length: session.stepsPerRun }, () => feeds);
  const lrs = group.map(() => 1e-3);
  // warm-up: ORT sizes its memory arenas on the first runs
  for (let i = 0; i < 2; i++) await session.runSteps(group, lrs);
  const times: number[] = [];
  const start = performance.now();
  while (performance.now() - start < seconds * 1000 || times.length < 3) {
    const t = performance.now();
    await session.runSteps(group, lrs);
    times.push((performance.now() - t) / group.length);
  }
  times.sort((a, b) => a - b);
  const mid = times.length >> 1;
  return times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
}

interface SessionMeasure {
  ms_per_step: number;
  rss_growth_mb: number;
  peak_rss_growth_mb: number;
  trainable_params: number;
  total_params: number;
}

/** One training session measured from its creation (run in a fresh process, so memory figures are its own). */
async function measureSession(model: keyof typeof MODELS, mode: 'full' | 'lora', threads: number, seconds: number): Promise<SessionMeasure> {
  const { config, batch } = MODELS[model];
  const forward = buildTransformer({ ...config, seed: 0 });
  const lora = mode === 'lora' ? applyLora(forward, LORA) : undefined;
  const base = lora?.model ?? forward;
  // like the PyTorch step: loss and update, no accuracy count
  const step = buildStepModel(base, { loss: { kind: 'cross-entropy' }, optimizer: { kind: 'adamw' }, trainable: lora?.trainable, accuracy: false });
  const weights = initialWeights(base, step);
  const feeds = batchFeeds(config, batch);
  const mb = (bytes: number) => Number((bytes / 2 ** 20).toFixed(1));
  global.gc?.();
  const before = process.memoryUsage().rss;
  const session = await TrainingSession.create(step, weights, { threads });
  const ms = await medianStep(session, feeds, seconds);
  global.gc?.();
  const after = process.memoryUsage().rss;
  const peak = process.resourceUsage().maxRSS * 1024;
  await session.release();
  return {
    ms_per_step: Number(ms.toFixed(2)), rss_growth_mb: mb(after - before), peak_rss_growth_mb: mb(peak - before),
    trainable_params: parameterCount(base, step.trainable.map((p) => p.name)), total_params: parameterCount(base),
  };
}

/** measureSession in a child process: a fresh heap and RSS for each configuration. */
function measureInChild(model: keyof typeof MODELS, mode: 'full' | 'lora', threads: number, seconds: number): SessionMeasure {
  const args = ['--expose-gc', '--import', 'tsx', __filename, '--session', JSON.stringify({ model, mode, threads, seconds })];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`measuring ${mode} ${model} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as SessionMeasure;
}

/** Lathe's ms/step on the small transformer (full training), for the comparison with PyTorch, and its steps per run. */
async function latheStep(threads: number): Promise<{ ms: number; stepsPerRun: number }> {
  const { config, batch } = MODELS.small;
  const forward = buildTransformer({ ...config, seed: 0 });
  const step = buildStepModel(forward, { loss: { kind: 'cross-entropy' }, optimizer: { kind: 'adamw' }, accuracy: false });
  const session = await TrainingSession.create(step, initialWeights(forward, step), { threads });
  const feeds = batchFeeds(config, batch);
  const ms = await medianStep(session, feeds, SECONDS);
  await session.release();
  return { ms, stepsPerRun: session.stepsPerRun };
}

interface Measured {
  side: 'lathe' | 'debian' | 'wheel';
  config: string;
  ms_per_step: number;
}

async function compareWithTorch() {
  const { peers, skipped } = torchPeers();
  const workers = peers.map((p) => new TorchWorker(p, path.join(__dirname, 'train-transformer-torch.py')));
  const best = new Map<string, Measured>();
  const keep = (m: Measured) => {
    const key = `${m.side} ${m.config}`;
    if ((best.get(key)?.ms_per_step ?? Infinity) > m.ms_per_step) best.set(key, m);
  };
  let attention: Record<string, string> = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const threads of THREADS) {
      const { ms, stepsPerRun } = await latheStep(threads);
      keep({ side: 'lathe', config: `threads=${threads}, ${stepsPerRun} step${stepsPerRun === 1 ? '' : 's'} per run`, ms_per_step: ms });
      for (const w of workers) {
        const r = await w.ask<{ ms_per_step: number; attention: string }>({ batch: MODELS.small.batch, threads, seconds: SECONDS, config: MODELS.small.config });
        attention = { ...attention, [w.peer.torch]: r.attention };
        keep({ side: w.peer.torch, config: `${w.peer.label}, threads=${threads}`, ms_per_step: r.ms_per_step });
      }
    }
  }
  for (const w of workers) w.close();
  const batch = MODELS.small.batch;
  const of = (side: string) => [...best.values()].filter((m) => m.side === side).sort((a, b) => a.ms_per_step - b.ms_per_step);
  const row = (m: Measured) => ({ config: m.config, ms_per_step: Number(m.ms_per_step.toFixed(2)), samples_per_s: Math.round((1000 * batch) / m.ms_per_step) });
  const side = (list: Measured[], torch: string) => (list.length ? { best: row(list[0]), all: list.map(row), attention: attention[torch] } : { skipped: skipped[torch] });
  const [ours, debian, wheel] = [of('lathe'), of('debian'), of('wheel')];
  const bestPeer = [...debian, ...wheel].sort((a, b) => a.ms_per_step - b.ms_per_step)[0];
  return {
    threads: Number(/threads=(\d+)/.exec(ours[0].config)![1]),
    result: {
      lathe: { best: row(ours[0]), all: ours.map(row) },
      debian_torch: side(debian, 'debian'),
      wheel_torch: side(wheel, 'wheel'),
      best_peer: bestPeer?.config ?? null,
      speedup_vs_best_peer: ratio(bestPeer?.ms_per_step ?? 0, ours[0].ms_per_step) || null,
      speedup_vs_debian: debian.length ? ratio(debian[0].ms_per_step, ours[0].ms_per_step) : null,
      speedup_vs_wheel: wheel.length ? ratio(wheel[0].ms_per_step, ours[0].ms_per_step) : null,
    },
  };
}

function compareLora(model: keyof typeof MODELS, threads: number) {
  const seconds = (model === 'large' ? 4 : 2) * SCALE;
  const runs = { full: [] as SessionMeasure[], lora: [] as SessionMeasure[] };
  for (let round = 0; round < LORA_ROUNDS; round++) for (const mode of ['full', 'lora'] as const) runs[mode].push(measureInChild(model, mode, threads, seconds));
  // the best round's time, and the smallest memory figure (noise from the shared machine only adds)
  const pick = (list: SessionMeasure[]): SessionMeasure => ({
    ...list[0],
    ms_per_step: Math.min(...list.map((m) => m.ms_per_step)),
    rss_growth_mb: Math.min(...list.map((m) => m.rss_growth_mb)),
    peak_rss_growth_mb: Math.min(...list.map((m) => m.peak_rss_growth_mb)),
  });
  const [full, lora] = [pick(runs.full), pick(runs.lora)];
  return {
    model: `${model === 'small' ? 'the bench transformer' : 'a larger transformer'}: ${JSON.stringify(MODELS[model].config)}, batch ${MODELS[model].batch}, AdamW, threads ${threads}`,
    lora: `rank ${LORA.rank}, alpha ${LORA.alpha}, targets ${LORA.targets}`,
    full, lora_result: lora,
    step_time_ratio: ratio(lora.ms_per_step, full.ms_per_step),
    rss_growth_ratio: ratio(lora.rss_growth_mb, full.rss_growth_mb),
    peak_rss_growth_ratio: ratio(lora.peak_rss_growth_mb, full.peak_rss_growth_mb),
  };
}

async function main(): Promise<void> {
  const loadBefore = loadAverage();
  const torch = await compareWithTorch();
  const small = compareLora('small', torch.threads);
  const large = compareLora('large', torch.threads);
  const throughputMet = (torch.result.speedup_vs_best_peer ?? 0) >= 1;
  console.log(JSON.stringify({
    bench: 'train-transformer',
    model: `pre-LN transformer encoder classifier ${JSON.stringify(MODELS.small.config)}, softmax cross-entropy, AdamW, batch ${MODELS.small.batch}`,
    seconds_per_measurement: SECONDS, rounds: ROUNDS, lora_rounds: LORA_ROUNDS, load_average: { before: loadBefore, after: loadAverage() },
    throughput: torch.result,
    lora_vs_full: { small, large },
    goals: {
      'throughput >= 1.0x the best PyTorch': throughputMet,
      'LoRA step time <= 0.8x full (>= 10M parameters)': (large.step_time_ratio ?? Infinity) <= 0.8,
      'LoRA memory <= 0.5x full (>= 10M parameters)': (large.rss_growth_ratio ?? Infinity) <= 0.5,
    },
  }));
}

const sessionArg = process.argv.indexOf('--session');
if (sessionArg > 0) {
  const { model, mode, threads, seconds } = JSON.parse(process.argv[sessionArg + 1]) as { model: keyof typeof MODELS; mode: 'full' | 'lora'; threads: number; seconds: number };
  measureSession(model, mode, threads, seconds).then((m) => console.log(JSON.stringify(m))).catch((e) => {
    console.error(e);
    process.exit(1);
  });
} else {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
