import * as os from 'node:os';
import * as path from 'node:path';
import type { OperationOptions } from '../../events';
import { startRun, type RunHandle, type RunSpec } from '../../runs/start';
import { describeError, isLatheError, LatheError } from '../../workspace/errors';
import { PIPELINE_FILE, type StoreLayout } from '../../workspace/layout';
import { builtinStage } from './builtins';
import { hashPaths } from './hash';
import { loadPipeline, type LoadedPipeline } from './load';
import { lockEntry, lockPathFor, LockWriter, readLock, type LockFile } from './lock';
import { checkStage, planPipeline, selectStages, type PlannedStage } from './plan';
import type { ResolvedStage } from './resolve';

export type StageStatus = 'ran' | 'up-to-date' | 'failed' | 'upstream-failed' | 'cancelled' | 'would-run';

export interface StageResult {
  stage: string;
  status: StageStatus;
  /** Why it ran or would run, why it failed or was not run. */
  reason: string;
  command: string;
  /** The run that recorded it (for an up-to-date stage: the run that produced its outputs). */
  runId?: string;
}

export interface PipelineRequest {
  /** The pipeline file; default `lathe.yaml` in the workspace root. */
  file?: string;
  /** Stages to bring up to date, with everything upstream; default all. */
  targets?: string[];
  /** Run the selected stages even when they are up to date. */
  force?: boolean;
  /** Report what would run; run nothing and write nothing. */
  dryRun?: boolean;
  /** Stages running at the same time; default the number of CPUs. */
  jobs?: number;
}

export interface PipelineRunOptions extends OperationOptions {
  /** Time a cancelled stage's process tree gets between SIGTERM and SIGKILL. */
  killGraceMs?: number;
}

export interface PipelineRunResult {
  file: string;
  dryRun: boolean;
  /** In dependency order. */
  stages: StageResult[];
  /** Every stage ran or was up to date (for a dry run: the plan could be made). */
  ok: boolean;
  cancelled: boolean;
}

const SUCCEEDED = new Set<StageStatus>(['ran', 'up-to-date']);

function jobsOf(jobs: number | undefined): number {
  if (jobs === undefined) return os.availableParallelism();
  if (!Number.isInteger(jobs) || jobs < 1) throw new LatheError('usage', `the number of jobs must be a whole number ≥ 1, got ${jobs}`, { hint: 'e.g. --jobs 2' });
  return jobs;
}

/** The tracked run of a `cmd` stage (also what a sweep trial runs, with its own params and tags). */
export function stageRunSpec(dir: string, stage: ResolvedStage & { argv: string[] }, tags: string[]): RunSpec {
  return { command: stage.argv, name: stage.name, params: stage.params, tags, cwd: path.resolve(dir, stage.cwd ?? '.'), env: stage.env };
}

/** Runs the stages of one pipeline run; one instance per run. */
class Execution {
  constructor(
    private readonly layout: StoreLayout,
    private readonly loaded: LoadedPipeline,
    private readonly lock: LockFile,
    private readonly writer: LockWriter,
    private readonly force: boolean,
    private readonly opts: PipelineRunOptions,
  ) {}

  private log(line: string): void {
    this.opts.log?.(line);
  }

  private async start(stage: ResolvedStage): Promise<RunHandle> {
    const opts = { signal: this.opts.signal, log: (line: string) => this.log(`[${stage.name}] ${line}`), killGraceMs: this.opts.killGraceMs };
    if (stage.argv) {
      return startRun(this.layout, stageRunSpec(this.loaded.dir, { ...stage, argv: stage.argv }, ['pipeline', `stage:${stage.name}`]), opts);
    }
    const uses = stage.uses!;
    return builtinStage(uses)!({ layout: this.layout, dir: this.loaded.dir, stage: { ...stage, uses, with: stage.with ?? {} } }, opts);
  }

  async stage(planned: PlannedStage): Promise<StageResult> {
    const { stage } = planned;
    const result = (status: StageStatus, reason: string, runId?: string): StageResult => ({ stage: stage.name, status, reason, command: stage.command, ...(runId ? { runId } : {}) });
    if (this.opts.signal?.aborted) return result('cancelled', 'the pipeline was cancelled');
    if (stage.uses && !builtinStage(stage.uses)) return result('failed', `built-in stage '${stage.uses}' is not available yet (use a \`cmd:\` stage for this step for now)`);
    const entry = this.lock.stages[stage.name];
    const check = await checkStage({ dir: this.loaded.dir, layout: this.layout }, stage, entry, this.force);
    if (!check.run) return result('up-to-date', check.reason, entry?.runId);
    const missing = Object.keys(check.deps).find((p) => check.deps[p] === undefined);
    if (missing) return result('failed', stage.refs.includes(missing) ? `'${missing}' is not in the store` : `dep '${missing}' does not exist and no stage before it wrote it`);
    this.log(`stage ${stage.name}: running (${check.reason}): ${stage.command}`);
    this.opts.onProgress?.({ message: `running ${stage.name}` });
    let handle: RunHandle;
    try {
      handle = await this.start(stage);
    } catch (e) {
      if (isLatheError(e) && e.code === 'cancelled') return result('cancelled', 'the pipeline was cancelled');
      return result('failed', describeError(e));
    }
    const record = await handle.done;
    if (record.status === 'cancelled') return result('cancelled', 'the pipeline was cancelled', record.id);
    if (record.status !== 'completed') return result('failed', record.error ?? 'the stage failed', record.id);
    const outs = await hashPaths(this.loaded.dir, stage.outs);
    const absent = stage.outs.find((p) => outs[p] === undefined);
    if (absent) return result('failed', `the command succeeded but did not write its declared out '${absent}'`, record.id);
    try {
      await this.writer.record(stage.name, lockEntry(stage, check.deps, outs as Record<string, string>, record.id));
    } catch (e) {
      return result('failed', `could not write ${lockPathFor(this.loaded.file)}: ${describeError(e)}`, record.id);
    }
    return result('ran', check.reason, record.id);
  }
}

/** Start stages as their upstream succeeds, at most `jobs` at once; a failure stops only what depends on it. */
function schedule(planned: PlannedStage[], jobs: number, execute: (p: PlannedStage) => Promise<StageResult>, signal: AbortSignal | undefined, onResult: (r: StageResult) => void): Promise<Map<string, StageResult>> {
  const results = new Map<string, StageResult>();
  const pending = new Map(planned.map((p) => [p.stage.name, p]));
  let running = 0;
  return new Promise((resolve) => {
    const settle = (r: StageResult) => {
      results.set(r.stage, r);
      onResult(r);
    };
    const pump = () => {
      // `pending` is in dependency order, so a stage marked not-run here is seen by its dependents in the same pass
      for (const [name, p] of pending) {
        const upstream = p.needs.map((n) => results.get(n));
        if (upstream.some((r) => r === undefined)) continue;
        const failed = upstream.find((r) => !SUCCEEDED.has(r!.status));
        if (failed || signal?.aborted) {
          pending.delete(name);
          const cancelled = signal?.aborted || failed?.status === 'cancelled';
          const command = p.stage.command;
          settle(cancelled ? { stage: name, status: 'cancelled', reason: 'the pipeline was cancelled', command } : { stage: name, status: 'upstream-failed', reason: `upstream stage '${failed!.stage}' did not succeed`, command });
          continue;
        }
        if (running >= jobs) continue;
        pending.delete(name);
        running++;
        void execute(p).then(
          (r) => settle(r),
          (e: unknown) => settle({ stage: name, status: 'failed', reason: describeError(e), command: p.stage.command }),
        ).finally(() => {
          running--;
          pump();
        });
      }
      if (pending.size === 0 && running === 0) resolve(results);
    };
    pump();
  });
}

/**
 * Run a pipeline: the selected stages and their upstream in dependency order, independent ones in parallel,
 * skipping stages whose command, used params and dep contents match `lathe.lock`. Each stage that runs is a
 * tracked run; the lock file is updated after each successful stage. An invalid pipeline is refused.
 */
export async function runPipeline(layout: StoreLayout, request: PipelineRequest = {}, opts: PipelineRunOptions = {}): Promise<PipelineRunResult> {
  const jobs = jobsOf(request.jobs);
  const loaded = await loadPipeline(request.file ?? path.join(layout.root, PIPELINE_FILE));
  const lockFile = lockPathFor(loaded.file);
  const lock = await readLock(lockFile);
  if (request.dryRun) {
    const plan = await planPipeline(layout, loaded, lock, request);
    const stages = plan.map((p): StageResult => ({ stage: p.stage, status: p.action === 'run' ? 'would-run' : 'up-to-date', reason: p.reason, command: p.command, ...(p.action === 'skip' && lock.stages[p.stage]?.runId ? { runId: lock.stages[p.stage].runId } : {}) }));
    return { file: loaded.file, dryRun: true, stages, ok: true, cancelled: false };
  }
  const planned = selectStages(loaded, request.targets);
  const writer = new LockWriter(lockFile, path.join(layout.tmp, 'pipeline-lock.mutex'), new Set(loaded.analysis.model.stages.keys()));
  const execution = new Execution(layout, loaded, lock, writer, request.force ?? false, opts);
  let finished = 0;
  const results = await schedule(planned, jobs, (p) => execution.stage(p), opts.signal, (r) => {
    finished++;
    opts.log?.(`stage ${r.stage}: ${r.status}${r.status === 'ran' || r.status === 'up-to-date' ? '' : ` (${r.reason})`}${r.runId ? ` [run ${r.runId}]` : ''}`);
    opts.onProgress?.({ message: `${r.stage}: ${r.status}`, fraction: finished / planned.length });
  });
  const stages = planned.map((p) => results.get(p.stage.name)!);
  return {
    file: loaded.file,
    dryRun: false,
    stages,
    ok: stages.every((s) => SUCCEEDED.has(s.status)),
    cancelled: stages.some((s) => s.status === 'cancelled'),
  };
}
