import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, promises as fs, type WriteStream } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { finished } from 'node:stream/promises';
import { latheEvents, type OperationOptions } from '../events';
import { pathExists, writeJsonAtomic } from '../workspace/atomic';
import { describeError, LatheError } from '../workspace/errors';
import type { StoreLayout } from '../workspace/layout';
import { captureGitState } from './git';
import { LineSplitter } from './lines';
import { lastValues, METRIC_PREFIX, metricWarnings, parseMetricObject, readMetricsFile } from './metrics';
import { generateRunName, newRunId } from './naming';
import { assertParamKey, paramEnv } from './params';
import { DEFAULT_KILL_GRACE_MS, terminateGroup } from './processTree';
import { runPaths, type GitState, type ParamValue, type RunRecord, type RunStatus } from './record';

export interface RunSpec {
  /** Program and arguments, spawned without a shell. */
  command: string[];
  name?: string;
  params?: Record<string, ParamValue>;
  tags?: string[];
  /** Working directory, absolute or relative to the workspace root (default: the root). */
  cwd?: string;
  /** Extra environment variables for the command, on top of this process's. */
  env?: Record<string, string>;
}

export interface RunOptions extends OperationOptions {
  /** Raw output as it arrives (the CLI echoes it to the terminal); `log` gets it line by line. */
  onOutput?: (stream: 'stdout' | 'stderr', chunk: Buffer) => void;
  /** Time a cancelled process tree gets between SIGTERM and SIGKILL. */
  killGraceMs?: number;
}

export interface RunHandle {
  id: string;
  dir: string;
  /** The record as written when the command started. */
  record: RunRecord;
  /** The final record, once the command tree has exited and everything is written. Never rejects. */
  done: Promise<RunRecord>;
  /** Stop the whole process tree; resolves when the run is finished. */
  cancel(): Promise<void>;
}

/** Runs owned by this process, so cancelRun/deleteRun reach them directly. */
const activeRuns = new Map<string, RunHandle>();

export function activeRun(id: string): RunHandle | undefined {
  return activeRuns.get(id);
}

function validate(spec: RunSpec): void {
  const { command } = spec;
  if (!Array.isArray(command) || command.length === 0 || !command[0] || command.some((a) => typeof a !== 'string')) {
    throw new LatheError('usage', 'no command to run', { hint: 'lathe run [options] -- <program> [args...]' });
  }
  if (spec.name !== undefined && !spec.name.trim()) throw new LatheError('usage', 'the run name is empty');
  for (const key of Object.keys(spec.params ?? {})) assertParamKey(key);
  if ((spec.tags ?? []).some((t) => typeof t !== 'string' || !t.trim())) throw new LatheError('usage', 'tags must be non-empty strings');
}

async function assertDirectory(dir: string): Promise<void> {
  const stat = await fs.stat(dir).catch(() => undefined);
  if (!stat?.isDirectory()) throw new LatheError('not-found', `working directory not found: ${dir}`, { file: dir });
}

/** Create the run folder under a fresh id; mkdir fails on a collision, so concurrent processes never share one. */
async function claimRunId(layout: StoreLayout): Promise<string> {
  await fs.mkdir(layout.runs, { recursive: true });
  for (;;) {
    const id = newRunId();
    try {
      await fs.mkdir(runPaths(layout, id).dir);
      return id;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

function runEnv(spec: RunSpec, params: Record<string, ParamValue>, id: string, dir: string): NodeJS.ProcessEnv {
  // a nested run must not see its parent's parameters
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LATHE_PARAM_')));
  return {
    // Python block-buffers a piped stdout: unbuffered, printed lines (and metric lines) reach the logs live
    PYTHONUNBUFFERED: '1',
    ...inherited,
    ...spec.env,
    ...paramEnv(params),
    LATHE_RUN_DIR: dir,
    LATHE_RUN_ID: id,
    LATHE_PARAMS: JSON.stringify(params),
  };
}

function spawnGroup(command: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    // detached: its own process group, so cancelling can signal the whole tree at once
    const child = spawn(command[0], command.slice(1), { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child.once('spawn', () => resolve(child));
    child.once('error', reject);
  });
}

function startError(e: unknown, program: string): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `command not found: ${program} (check the spelling, or install it and put it on PATH)`;
  if (code === 'EACCES') return `command is not executable: ${program}`;
  return `could not start ${program}: ${describeError(e)}`;
}

function exitError(code: number | null, signal: NodeJS.Signals | null): string | undefined {
  if (signal) return `the command was killed by ${signal}`;
  return code === 0 ? undefined : `the command exited with code ${code}`;
}

async function closeStream(stream: WriteStream): Promise<void> {
  stream.end();
  await finished(stream).catch(() => undefined);
}

/**
 * Run `spec.command` as a tracked run: record in `.lathe/runs/<id>/`, stream logs, collect metrics, capture git.
 * Resolves once the command started (or failed to start: then the handle's record is already `failed`).
 */
export async function startRun(layout: StoreLayout, spec: RunSpec, opts: RunOptions = {}): Promise<RunHandle> {
  validate(spec);
  const cwd = path.resolve(layout.root, spec.cwd ?? '.');
  await assertDirectory(cwd);
  if (opts.signal?.aborted) throw new LatheError('cancelled', 'the run was cancelled before it started');
  const params = spec.params ?? {};
  const createdAt = new Date().toISOString();
  const id = await claimRunId(layout);
  const files = runPaths(layout, id);
  const warnings: string[] = [];
  const emit = (r: RunRecord) => latheEvents.emit({ type: 'run-changed', root: layout.root, runId: id, status: r.status });
  const warn = (w: string) => {
    if (!warnings.includes(w)) warnings.push(w);
  };

  let git: GitState | null = null;
  try {
    git = await captureGitState(cwd, files.dir);
  } catch (e) {
    warn(`could not read the git state: ${describeError(e)}`);
  }
  const base: RunRecord = {
    schema: 1,
    id,
    name: spec.name?.trim() || generateRunName(),
    status: 'running',
    command: [...spec.command],
    cwd,
    params,
    tags: spec.tags ?? [],
    createdAt,
    exitCode: null,
    signal: null,
    ownerPid: process.pid,
    host: os.hostname(),
    git,
    summary: {},
    warnings: warnings.length ? [...warnings] : undefined,
  };

  const stdoutLog = createWriteStream(files.stdout, { flags: 'a' });
  const stderrLog = createWriteStream(files.stderr, { flags: 'a' });
  for (const log of [stdoutLog, stderrLog]) log.on('error', (e) => warn(`could not write ${path.basename(log.path.toString())}: ${e.message}`));
  const metricsFile = await fs.open(files.metrics, 'a');

  let child: ChildProcess;
  try {
    child = await spawnGroup(base.command, cwd, runEnv(spec, params, id, files.dir));
  } catch (e) {
    await Promise.all([closeStream(stdoutLog), closeStream(stderrLog), metricsFile.close()]);
    const failed: RunRecord = { ...base, status: 'failed', endedAt: new Date().toISOString(), error: startError(e, base.command[0]) };
    await writeJsonAtomic(files.record, failed);
    emit(failed);
    return { id, dir: files.dir, record: failed, done: Promise.resolve(failed), cancel: async () => undefined };
  }
  const pid = child.pid as number;
  const record: RunRecord = { ...base, pid, startedAt: new Date().toISOString() };
  const started = writeJsonAtomic(files.record, record);

  // Metric lines printed on stdout are appended to metrics.jsonl in order, next to the script's own appends.
  let appending = Promise.resolve();
  let badMetricLines = 0;
  let firstBadMetricLine = '';
  const appendMetric = (text: string) => {
    const json = text.trim();
    const metric = parseMetricObject(json);
    if (!metric) {
      if (badMetricLines++ === 0) firstBadMetricLine = json.slice(0, 80);
      return;
    }
    if (Object.keys(metric).length === 0) return;
    const line = 'ts' in metric || 'time' in metric ? json : `{"ts":${Date.now()},${json.slice(1)}`;
    appending = appending.then(
      () => metricsFile.write(line + '\n').then(() => undefined),
      (e: Error) => warn(`could not append to metrics.jsonl: ${e.message}`),
    );
  };
  const onStdoutLine = (line: string) => (line.startsWith(METRIC_PREFIX) ? appendMetric(line.slice(METRIC_PREFIX.length)) : opts.log?.(line));
  const onStderrLine = (line: string) => opts.log?.(line);
  const outLines = new LineSplitter();
  const errLines = new LineSplitter();
  child.stdout?.on('data', (chunk: Buffer) => {
    stdoutLog.write(chunk);
    opts.onOutput?.('stdout', chunk);
    outLines.push(chunk).forEach(onStdoutLine);
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderrLog.write(chunk);
    opts.onOutput?.('stderr', chunk);
    errLines.push(chunk).forEach(onStderrLine);
  });

  let cancelRequested = false;
  let cancelling: Promise<void> | undefined;
  const onAbort = () => void handle.cancel();

  const finish = async (code: number | null, signal: NodeJS.Signals | null): Promise<RunRecord> => {
    opts.signal?.removeEventListener('abort', onAbort);
    outLines.end().forEach(onStdoutLine);
    errLines.end().forEach(onStderrLine);
    await appending;
    await metricsFile.close();
    const metrics = await readMetricsFile(files.metrics);
    if (badMetricLines) warn(`${badMetricLines} ${METRIC_PREFIX} line(s) were not a JSON object and were ignored (first: ${firstBadMetricLine})`);
    metricWarnings(metrics).forEach(warn);
    for (const w of warnings) {
      stderrLog.write(`lathe: warning: ${w}\n`);
      opts.log?.(`lathe: warning: ${w}`);
    }
    await Promise.all([closeStream(stdoutLog), closeStream(stderrLog)]);
    const cancelled = cancelRequested || (await pathExists(files.cancel));
    const status: RunStatus = cancelled ? 'cancelled' : code === 0 ? 'completed' : 'failed';
    const endedAt = new Date();
    let final: RunRecord = {
      ...record,
      status,
      endedAt: endedAt.toISOString(),
      durationMs: endedAt.getTime() - Date.parse(record.startedAt as string),
      exitCode: code,
      signal,
      summary: lastValues(metrics.series),
      warnings: warnings.length ? warnings : undefined,
      error: status === 'failed' ? exitError(code, signal) : undefined,
    };
    try {
      await started.catch(() => undefined); // the running record goes to disk before the final one
      // a run deleted while running (runs delete --force) stays deleted
      if (await pathExists(files.dir)) await writeJsonAtomic(files.record, final);
    } catch (e) {
      final = { ...final, error: `could not write the run record: ${describeError(e)}` };
    }
    activeRuns.delete(id);
    emit(final);
    return final;
  };

  const done = new Promise<RunRecord>((resolve) => {
    child.once('close', (code: number | null, signal: NodeJS.Signals | null) =>
      void finish(code, signal).then(resolve, (e: unknown) => resolve({ ...record, status: 'failed', error: `could not finish the run: ${describeError(e)}` })),
    );
  });
  let isDone = false;
  void done.then(() => (isDone = true));
  const handle: RunHandle = {
    id,
    dir: files.dir,
    record,
    done,
    async cancel() {
      if (!isDone) {
        cancelRequested = true;
        cancelling ??= terminateGroup(pid, opts.killGraceMs ?? DEFAULT_KILL_GRACE_MS);
        await cancelling;
      }
      await done;
    },
  };
  activeRuns.set(id, handle);
  opts.signal?.addEventListener('abort', onAbort);
  try {
    await started;
  } catch (e) {
    await handle.cancel();
    throw e;
  }
  emit(record);
  if (opts.signal?.aborted) onAbort();
  return handle;
}
