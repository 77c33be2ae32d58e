import { watch, type FSWatcher } from 'node:fs';
import * as path from 'node:path';
import { SWEEP_TAG_PREFIX, PRUNED_TAG, sweepOf } from '../charts/sweep';
import { latheEvents, type OperationOptions } from '../events';
import type { ParamDef } from '../pipeline/model';
import { loadPipeline, resolveStage, stageRunSpec } from '../pipeline/runner';
import { readMetricsFile } from '../runs/metrics';
import { runPaths, type ParamValue, type RunRecord, type RunStatus } from '../runs/record';
import { startRun, type RunHandle } from '../runs/start';
import { listRuns, readMetrics, readStoredRecord } from '../runs/store';
import { createFileExclusive, writeJsonAtomic } from '../workspace/atomic';
import { describeError, isLatheError, LatheError } from '../workspace/errors';
import { PIPELINE_FILE, type StoreLayout } from '../workspace/layout';
import { GridSampler } from './grid';
import { createPruner, type Pruner, type TrialProgress } from './pruners';
import { createSampler, type Observation } from './sampler';
import { readSweepSpec, type SweepSpec, type TrialParams } from './space';

export interface SweepRequest {
  /** The sweep's name under `sweeps:`. */
  sweep: string;
  /** The pipeline file; default `lathe.yaml` in the workspace root. */
  file?: string;
  /** Total trials, the existing ones included (overrides the sweep's `trials`). */
  trials?: number;
  /** Trials running at once (overrides the sweep's `parallel`). */
  parallel?: number;
}

export interface SweepRunOptions extends OperationOptions {
  /** Time a cancelled trial's process tree gets between SIGTERM and SIGKILL. */
  killGraceMs?: number;
  /** Time a pruned trial gets to stop by itself (it sees the `prune` request file) before it is cancelled. */
  pruneGraceMs?: number;
  /** Told when a trial's run has started (the extension opens the sweep panel on the first). */
  onTrialStart?: (trial: { number: number; runId: string }) => void;
}

export interface TrialResult {
  /** 1-based, in creation order: the sweep panel's trial number. */
  number: number;
  runId: string;
  name: string;
  params: TrialParams;
  status: RunStatus;
  pruned: boolean;
  /** The metric's last value; null when the trial reported none. */
  value: number | null;
  /** Run by an earlier invocation (counted toward `trials`, not run again). */
  resumed: boolean;
}

export interface SweepRunResult {
  sweep: string;
  file: string;
  stage: string;
  method: SweepSpec['method'];
  metric: SweepSpec['metric'];
  /** Every trial of the sweep, the earlier ones included, by number. */
  trials: TrialResult[];
  /** Trials started by this invocation. */
  ran: number;
  /** The best complete, unpruned trial. */
  best: TrialResult | null;
  cancelled: boolean;
  /** A grid that ran out of combinations before `trials` was reached. */
  exhausted: boolean;
}

const DEFAULT_PRUNE_GRACE_MS = 2000;

function wholeNumber(value: number | undefined, what: string): number | undefined {
  if (value !== undefined && (!Number.isInteger(value) || value < 1)) throw new LatheError('usage', `${what} must be a whole number ≥ 1, got ${value}`);
  return value;
}

const stateOf = (r: RunRecord): Observation['state'] =>
  (r.tags ?? []).includes(PRUNED_TAG) ? 'pruned' : r.status === 'completed' ? 'complete' : r.status === 'running' ? 'running' : 'failed';

/** One trial: what the sampler, the pruner and the result need, kept current while it runs. */
class Trial {
  points: { step: number; value: number }[] = [];
  state: Observation['state'] = 'running';
  pruned = false;
  status: RunStatus = 'running';
  runId = '';
  name = '';

  constructor(
    readonly number: number,
    readonly params: TrialParams,
    readonly resumed: boolean,
  ) {}

  get value(): number | null {
    return this.points.length ? this.points[this.points.length - 1].value : null;
  }

  observation(): Observation {
    return { params: this.params, state: this.state, value: this.state === 'complete' ? this.value : null };
  }

  progress(): TrialProgress {
    return { number: this.number, state: this.state, points: this.points };
  }

  result(): TrialResult {
    return { number: this.number, runId: this.runId, name: this.name, params: this.params, status: this.status, pruned: this.pruned, value: this.value, resumed: this.resumed };
  }
}

function pointsOf(series: Record<string, { step: number; value: number }[]>, metric: string): { step: number; value: number }[] {
  return (series[metric] ?? []).map((p) => ({ step: p.step, value: p.value })).sort((a, b) => a.step - b.step);
}

/** The sweep's trials already in the store (tagged `sweep:<name>`), oldest first. */
async function existingTrials(layout: StoreLayout, spec: SweepSpec): Promise<Trial[]> {
  const runs = (await listRuns(layout)).filter((r) => sweepOf(r) === spec.name);
  // trials started in the same millisecond tie on createdAt: the number in the trial's name (`<sweep>-<n>`) orders
  // them; runs tagged by hand (no such name) come after, oldest first
  const numberOf = (r: RunRecord) => {
    const rest = r.name.slice(spec.name.length + 1);
    return r.name.startsWith(`${spec.name}-`) && /^\d+$/.test(rest) ? Number(rest) : Infinity;
  };
  runs.sort((a, b) => numberOf(a) - numberOf(b) || a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  return Promise.all(
    runs.map(async (r, i) => {
      const t = new Trial(i + 1, (r.params ?? {}) as TrialParams, true);
      Object.assign(t, { runId: r.id, name: r.name, status: r.status, state: stateOf(r), pruned: stateOf(r) === 'pruned' });
      t.points = pointsOf((await readMetrics(layout, r.id)).series, spec.metric.name);
      return t;
    }),
  );
}

/** Add the `pruned` tag to a finished trial's record (the charts and a resumed sweep recognise pruned trials by it). */
async function markPruned(layout: StoreLayout, id: string): Promise<RunRecord> {
  const file = runPaths(layout, id).record;
  const record = await readStoredRecord(layout, id);
  const updated = { ...record, tags: [...(record.tags ?? []), PRUNED_TAG] };
  await writeJsonAtomic(file, updated);
  latheEvents.emit({ type: 'run-changed', root: layout.root, runId: id, status: updated.status });
  return updated;
}

/** Runs the trials of one sweep invocation. */
class SweepExecution {
  private readonly trials: Trial[];
  private readonly pruner: Pruner | undefined;

  constructor(
    private readonly layout: StoreLayout,
    private readonly dir: string,
    private readonly spec: SweepSpec,
    private readonly model: Parameters<typeof resolveStage>[0],
    existing: Trial[],
    private readonly opts: SweepRunOptions,
  ) {
    this.trials = [...existing];
    this.pruner = createPruner(spec.earlyTerminate);
  }

  get all(): Trial[] {
    return this.trials;
  }

  private log(line: string): void {
    this.opts.log?.(line);
  }

  /** The stage resolved with the sampled values in place of the pipeline's params. */
  private resolve(params: TrialParams) {
    const overridden = new Map<string, ParamDef>(this.model.params);
    for (const [name, value] of Object.entries(params)) {
      const def = overridden.get(name);
      overridden.set(name, def ? { ...def, value } : { name, key: { start: 0, end: 0 }, value, uri: this.model.file.uri });
    }
    const model = { ...this.model, params: overridden };
    return resolveStage(model, model.stages.get(this.spec.stage)!);
  }

  /** Sample, run and follow one trial to its end. */
  async run(number: number, params: TrialParams): Promise<void> {
    const trial = new Trial(number, params, false);
    this.trials.push(trial);
    const stage = this.resolve(params);
    const tag = `[trial ${number}]`;
    this.log(`${tag} ${Object.entries(params).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ')}`);
    const spec = stageRunSpec(this.dir, { ...stage, argv: stage.argv! }, [`${SWEEP_TAG_PREFIX}${this.spec.name}`, `stage:${this.spec.stage}`]);
    let handle: RunHandle;
    try {
      handle = await startRun(this.layout, { ...spec, name: `${this.spec.name}-${number}`, params: { ...stage.params, ...(params as Record<string, ParamValue>) } }, { signal: this.opts.signal, killGraceMs: this.opts.killGraceMs, log: (line) => this.log(`${tag} ${line}`) });
    } catch (e) {
      trial.state = 'failed';
      trial.status = isLatheError(e) && e.code === 'cancelled' ? 'cancelled' : 'failed';
      if (trial.status === 'failed') this.log(`${tag} could not start: ${describeError(e)}`);
      return;
    }
    trial.runId = handle.id;
    trial.name = handle.record.name;
    this.opts.onTrialStart?.({ number, runId: handle.id });
    const watcher = this.pruner ? this.follow(trial, handle) : undefined;
    let record = await handle.done;
    watcher?.close();
    trial.points = pointsOf((await readMetricsFile(runPaths(this.layout, handle.id).metrics)).series, this.spec.metric.name);
    if (trial.pruned) record = await markPruned(this.layout, handle.id).catch((e: unknown) => (this.log(`${tag} could not mark the run pruned: ${describeError(e)}`), record));
    trial.status = record.status;
    trial.state = trial.pruned ? 'pruned' : record.status === 'completed' ? 'complete' : 'failed';
    this.log(`${tag} ${trial.pruned ? 'pruned' : record.status}${trial.value !== null ? `: ${this.spec.metric.name}=${trial.value}` : ''} [run ${handle.id}]${record.error ? ` (${record.error})` : ''}`);
  }

  /** Watch a running trial's metrics: at each new step the pruner may stop it (prune request file, then cancel). */
  private follow(trial: Trial, handle: RunHandle): FSWatcher {
    const file = runPaths(this.layout, handle.id).metrics;
    let checking = false;
    let again = false;
    const check = async () => {
      if (checking) return void (again = true);
      checking = true;
      try {
        do {
          again = false;
          const points = pointsOf((await readMetricsFile(file)).series, this.spec.metric.name);
          if (trial.pruned || points.length === trial.points.length) continue;
          trial.points = points;
          if (this.pruner!.shouldPrune(trial.progress(), this.trials.map((t) => t.progress()), this.spec.metric.goal)) await this.prune(trial, handle);
        } while (again && !trial.pruned);
      } catch (e) {
        this.log(`[trial ${trial.number}] could not read its metrics: ${describeError(e)}`);
      } finally {
        checking = false;
      }
    };
    return watch(file, () => void check());
  }

  private async prune(trial: Trial, handle: RunHandle): Promise<void> {
    trial.pruned = true;
    const last = trial.points[trial.points.length - 1];
    this.log(`[trial ${trial.number}] pruned at step ${last.step} (${this.spec.metric.name}=${last.value})`);
    await createFileExclusive(runPaths(this.layout, handle.id).prune, `${new Date().toISOString()}\n`);
    const timer = setTimeout(() => void handle.cancel(), this.opts.pruneGraceMs ?? DEFAULT_PRUNE_GRACE_MS);
    void handle.done.finally(() => clearTimeout(timer));
  }
}

function bestOf(trials: TrialResult[], goal: SweepSpec['metric']['goal']): TrialResult | null {
  let best: TrialResult | null = null;
  for (const t of trials) {
    if (t.status !== 'completed' || t.pruned || t.value === null) continue;
    if (!best || (goal === 'minimize' ? t.value < best.value! : t.value > best.value!)) best = t;
  }
  return best;
}

/**
 * Run a sweep of the pipeline: trials of its stage as tracked runs tagged `sweep:<name>`, each with sampled values
 * in place of the pipeline's params, at most `parallel` at once, pruned by the sweep's `early_terminate`. Trials of
 * earlier invocations count toward `trials` and inform the sampler, so running it again resumes it.
 */
export async function runSweep(layout: StoreLayout, request: SweepRequest, opts: SweepRunOptions = {}): Promise<SweepRunResult> {
  const loaded = await loadPipeline(request.file ?? path.join(layout.root, PIPELINE_FILE));
  const { model } = loaded.analysis;
  const spec = readSweepSpec(model, request.sweep);
  const hint = { file: loaded.file };
  if (spec.executor !== 'local') throw new LatheError('unsupported', `sweep '${spec.name}': executor '${spec.executor}' is not available yet; trials run locally`, { ...hint, hint: 'remove `executor:` or set it to local' });
  const stage = model.stages.get(spec.stage)!;
  if (!stage.cmd) throw new LatheError('unsupported', `sweep '${spec.name}': stage '${spec.stage}' is a built-in stage; sweeps run \`cmd\` stages`, { ...hint, hint: 'sweep a `cmd` stage (it may call the lathe CLI)' });
  const sampler = createSampler(spec.method, spec.parameters, spec.metric.goal, spec.seed);
  const total = wholeNumber(request.trials, 'the number of trials') ?? spec.trials ?? (sampler instanceof GridSampler ? sampler.size : undefined);
  if (total === undefined) throw new LatheError('usage', `sweep '${spec.name}' does not say how many trials to run`, { ...hint, hint: 'add `trials: N` to the sweep, or pass --trials N' });
  const parallel = wholeNumber(request.parallel, 'the number of parallel trials') ?? spec.parallel;

  const existing = await existingTrials(layout, spec);
  const before = existing.length;
  const execution = new SweepExecution(layout, loaded.dir, spec, model, existing, opts);
  const toRun = Math.max(0, total - before);
  opts.log?.(`sweep ${spec.name}: ${spec.method} over ${spec.parameters.map((p) => p.name).join(', ')}; ${before} trial(s) so far, ${toRun} to run, ${parallel} at a time`);
  let launched = 0;
  let finished = 0;
  let exhausted = false;
  const worker = async () => {
    while (launched < toRun && !exhausted && !opts.signal?.aborted) {
      const number = before + ++launched;
      const params = sampler.sample(number, execution.all.map((t) => t.observation()));
      if (!params) {
        exhausted = true;
        launched--;
        break;
      }
      await execution.run(number, params);
      opts.onProgress?.({ message: `${++finished} of ${toRun} trials`, fraction: finished / toRun });
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, Math.max(1, toRun)) }, worker));
  const trials = execution.all.map((t) => t.result()).sort((a, b) => a.number - b.number);
  const best = bestOf(trials, spec.metric.goal);
  if (exhausted) opts.log?.(`sweep ${spec.name}: the grid has no more combinations`);
  if (best) opts.log?.(`sweep ${spec.name}: best trial ${best.number} (${best.name}): ${spec.metric.name}=${best.value} with ${JSON.stringify(best.params)}`);
  return { sweep: spec.name, file: loaded.file, stage: spec.stage, method: spec.method, metric: spec.metric, trials, ran: launched, best, cancelled: opts.signal?.aborted ?? false, exhausted };
}
