import * as os from 'node:os';
import * as path from 'node:path';
import { LatheError } from '../workspace/errors';
import type { StoreLayout } from '../workspace/layout';
import { processAlive } from './processTree';

export type RunStatus = 'running' | 'completed' | 'failed' | 'cancelled';
export const RUN_STATUSES: readonly RunStatus[] = ['running', 'completed', 'failed', 'cancelled'];

/** A parameter as it travels in LATHE_PARAMS: any JSON value (sweeps and pipelines may pass lists). */
export type ParamValue = string | number | boolean | null | ParamValue[] | { [key: string]: ParamValue };

export interface GitState {
  commit: string | null;
  branch: string | null;
  dirty: boolean;
  /** Relative to the run folder: `git diff HEAD` at start (plus untracked file names), only when dirty. */
  patchFile?: string;
}

/** `.lathe/runs/<id>/run.json`. Written atomically by the process that owns the run, and by no one else. */
export interface RunRecord {
  schema: 1;
  id: string;
  name: string;
  status: RunStatus;
  command: string[];
  cwd: string;
  params: Record<string, ParamValue>;
  tags: string[];
  createdAt: string;
  startedAt?: string;
  endedAt?: string;
  durationMs?: number;
  exitCode: number | null;
  signal: string | null;
  /** The command's pid, also its process group id. */
  pid?: number;
  /** The lathe process (CLI or editor) that owns the run and rewrites this record. */
  ownerPid: number;
  host: string;
  git: GitState | null;
  /** Last value of each metric. */
  summary: Record<string, number>;
  warnings?: string[];
  error?: string;
}

export const RUN_FILE = 'run.json';
export const METRICS_FILE = 'metrics.jsonl';
export const PATCH_FILE = 'git.patch';
export const OWNER_DIED = 'the lathe process that owned this run died';

/** Where a run's files live. `cancel` and `prune` are request files other processes create for the owner/script. */
export function runPaths(layout: StoreLayout, id: string) {
  const dir = path.join(layout.runs, id);
  return {
    dir,
    record: path.join(dir, RUN_FILE),
    metrics: path.join(dir, METRICS_FILE),
    stdout: path.join(dir, 'stdout.log'),
    stderr: path.join(dir, 'stderr.log'),
    patch: path.join(dir, PATCH_FILE),
    cancel: path.join(dir, 'cancel'),
    prune: path.join(dir, 'prune'),
  };
}

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Whether `s` can be a run folder name (guards joins of user input into paths). */
export function isRunId(s: string): boolean {
  return RUN_ID.test(s);
}

/** Validate what was read from run.json enough that every reader can rely on the shape. */
export function parseRunRecord(value: unknown, file: string): RunRecord {
  const r = value as Partial<RunRecord> | null;
  const problem =
    !r || typeof r !== 'object'
      ? 'not an object'
      : r.schema !== 1
        ? `unsupported schema ${JSON.stringify(r.schema)}`
        : typeof r.id !== 'string' || typeof r.name !== 'string'
          ? 'missing id or name'
          : !RUN_STATUSES.includes(r.status as RunStatus)
            ? `unknown status ${JSON.stringify(r.status)}`
            : !Array.isArray(r.command)
              ? 'missing command'
              : undefined;
  if (problem) {
    throw new LatheError('corrupt-record', `corrupt run record ${file}: ${problem}`, {
      file,
      hint: 'delete the run folder or fix the file',
    });
  }
  return r as RunRecord;
}

/**
 * The status readers should show: a record still `running` whose owner process is gone from this host
 * (kill -9, crash, power loss) is failed. Readers never rewrite the record: only its owner does.
 */
export function effectiveRecord(record: RunRecord, host = os.hostname()): RunRecord {
  if (record.status !== 'running' || record.host !== host || processAlive(record.ownerPid)) return record;
  return { ...record, status: 'failed', error: `${OWNER_DIED} (pid ${record.ownerPid}) before the run finished` };
}
