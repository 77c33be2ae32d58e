import * as path from 'node:path';
import type { ParamValue } from '../../runs/record';
import { pathExists, readJson, writeJsonAtomic } from '../../workspace/atomic';
import { LatheError } from '../../workspace/errors';
import { stableStringify } from '../../workspace/json';
import { withLock } from '../../workspace/lock';
import type { ResolvedStage } from './resolve';

export const LOCK_FILE = 'lathe.lock';

/** What a stage's last successful run saw: the runner skips the stage while all of it still holds. */
export interface LockEntry {
  /** argv of a `cmd` stage, after substitution. */
  cmd?: string[];
  uses?: string;
  with?: Record<string, unknown>;
  params: Record<string, ParamValue>;
  /**
   * path → sha256 (a folder: the hash of its sorted file hashes); a store reference the stage reads
   * (`model:teacher@production`) → what it resolved to, `teacher@v3 <sha256>`.
   */
  deps: Record<string, string | null>;
  outs: Record<string, string>;
  runId?: string;
  completedAt: string;
}

/** `lathe.lock`, next to the pipeline file (commit it, like dvc.lock). */
export interface LockFile {
  schema: 1;
  stages: Record<string, LockEntry>;
}

export function lockPathFor(pipelineFile: string): string {
  return path.join(path.dirname(pipelineFile), LOCK_FILE);
}

export async function readLock(file: string): Promise<LockFile> {
  if (!(await pathExists(file))) return { schema: 1, stages: {} };
  const lock = await readJson<LockFile>(file, 'pipeline lock file');
  if (lock?.schema !== 1 || typeof lock.stages !== 'object' || lock.stages === null) {
    throw new LatheError('corrupt-record', `corrupt pipeline lock file ${file}: unsupported schema or no stages`, {
      file,
      hint: 'delete it: every stage then runs once more',
    });
  }
  return lock;
}

/** The part of an entry that decides what the stage does: its command or built-in call. */
export function commandOf(entry: Pick<LockEntry, 'cmd' | 'uses' | 'with'>): string {
  return stableStringify({ cmd: entry.cmd, uses: entry.uses, with: entry.with }, 0);
}

export function lockEntry(stage: ResolvedStage, deps: Record<string, string | undefined>, outs: Record<string, string>, runId?: string): LockEntry {
  return {
    ...(stage.argv ? { cmd: stage.argv } : { uses: stage.uses, with: stage.with }),
    params: stage.params,
    deps: Object.fromEntries(Object.entries(deps).map(([p, h]) => [p, h ?? null])),
    outs,
    runId,
    completedAt: new Date().toISOString(),
  };
}

/**
 * Records each successful stage at once (a cancelled or crashed run keeps what finished). Each write re-reads the
 * file under a lock and replaces one entry, so stages finishing together, or another lathe process running the
 * pipeline, never lose each other's entries; the file itself is replaced atomically.
 */
export class LockWriter {
  constructor(
    private readonly file: string,
    /** The mutex guarding read-modify-write of `file` (kept inside the store, not next to the user's files). */
    private readonly mutex: string,
    /** Stages of the pipeline: entries of stages that no longer exist are dropped. */
    private readonly stages: Set<string>,
  ) {}

  record(stage: string, entry: LockEntry): Promise<void> {
    return withLock(this.mutex, async () => {
      const lock = await readLock(this.file);
      lock.stages[stage] = entry;
      const kept = Object.fromEntries(Object.entries(lock.stages).filter(([name]) => this.stages.has(name)));
      await writeJsonAtomic(this.file, { schema: 1, stages: kept });
    });
  }
}
