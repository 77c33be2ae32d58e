import { promises as fs } from 'node:fs';
import { readJson } from '../workspace/atomic';
import { LatheError } from '../workspace/errors';
import type { StoreLayout } from '../workspace/layout';
import { readMetricsFile, type MetricsData } from './metrics';
import { effectiveRecord, isRunId, parseRunRecord, runPaths, type RunRecord } from './record';

export interface ListRunsOptions {
  /** Told about each run folder whose run.json is corrupt; such runs are left out of the list. */
  onCorrupt?: (error: LatheError) => void;
}

/** run.json exactly as its owner wrote it. */
export async function readStoredRecord(layout: StoreLayout, id: string): Promise<RunRecord> {
  const file = runPaths(layout, id).record;
  return parseRunRecord(await readJson(file, 'run record'), file);
}

/** Read one run.json as readers should see it (a running record whose owner died is failed). */
async function readRecord(layout: StoreLayout, id: string): Promise<RunRecord> {
  return effectiveRecord(await readStoredRecord(layout, id));
}

/**
 * Every run, newest first. A folder without run.json is a run being created (or one that never started):
 * it is not listed. A corrupt run.json is reported through `onCorrupt`, never hides the other runs.
 */
export async function listRuns(layout: StoreLayout, options: ListRunsOptions = {}): Promise<RunRecord[]> {
  let ids: string[];
  try {
    ids = (await fs.readdir(layout.runs, { withFileTypes: true })).filter((e) => e.isDirectory() && isRunId(e.name)).map((e) => e.name);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const records = await Promise.all(
    ids.map(async (id) => {
      try {
        return await readRecord(layout, id);
      } catch (e) {
        if (e instanceof LatheError && e.code === 'corrupt-record') options.onCorrupt?.(e);
        else if (!(e instanceof LatheError && e.code === 'not-found')) throw e;
        return undefined;
      }
    }),
  );
  return records
    .filter((r): r is RunRecord => r !== undefined)
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
}

/** The run id that `ref` names: an exact id, else a unique id prefix or run name. */
export async function resolveRunId(layout: StoreLayout, ref: string): Promise<string> {
  if (!ref.trim()) throw new LatheError('usage', 'no run given', { hint: 'pass a run id, id prefix or name' });
  if (isRunId(ref) && (await fs.stat(runPaths(layout, ref).record).catch(() => undefined))) return ref;
  const matches = (await listRuns(layout)).filter((r) => r.id.startsWith(ref) || r.name === ref);
  if (matches.length === 1) return matches[0].id;
  if (matches.length === 0) {
    throw new LatheError('not-found', `no run '${ref}' in ${layout.runs}`, { file: layout.runs, hint: 'see `lathe runs list` for run ids and names' });
  }
  const shown = matches.slice(0, 5).map((r) => `${r.id} (${r.name})`).join(', ');
  throw new LatheError('ambiguous', `'${ref}' matches ${matches.length} runs: ${shown}${matches.length > 5 ? ', ...' : ''}`, {
    hint: 'use more characters of the run id',
  });
}

/** One run's record, by id, unique id prefix or name. */
export async function readRun(layout: StoreLayout, ref: string): Promise<RunRecord> {
  return readRecord(layout, await resolveRunId(layout, ref));
}

/** One run's metric series (with the values that were left out), by id, unique id prefix or name. */
export async function readMetrics(layout: StoreLayout, ref: string): Promise<MetricsData> {
  return readMetricsFile(runPaths(layout, await resolveRunId(layout, ref)).metrics);
}

/** Where a run's output logs are (exact id). */
export function runLogPaths(layout: StoreLayout, id: string): { stdout: string; stderr: string } {
  if (!isRunId(id)) throw new LatheError('usage', `'${id}' is not a run id`);
  const { stdout, stderr } = runPaths(layout, id);
  return { stdout, stderr };
}
