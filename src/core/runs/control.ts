import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import { latheEvents } from '../events';
import { writeFileAtomic } from '../workspace/atomic';
import { LatheError } from '../workspace/errors';
import type { StoreLayout } from '../workspace/layout';
import { DEFAULT_KILL_GRACE_MS, groupHasEnv, processAlive, terminateGroup } from './processTree';
import { runPaths, type RunRecord } from './record';
import { activeRun } from './start';
import { readRun, readStoredRecord, resolveRunId } from './store';

export interface CancelOptions {
  /** Time the process tree gets between SIGTERM and SIGKILL. */
  killGraceMs?: number;
  /** How long to wait for the owner to write the final record. */
  waitMs?: number;
}

const DEFAULT_WAIT_MS = 10_000;
const WAIT_POLL_MS = 100;

async function waitForEnd(layout: StoreLayout, id: string, waitMs: number): Promise<RunRecord> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const record = await readRun(layout, id);
    if (record.status !== 'running' || Date.now() >= deadline) return record;
    await new Promise((r) => setTimeout(r, WAIT_POLL_MS));
  }
}

/**
 * Cancel a running run from any process on its host: leave the `cancel` request file (so the owner records
 * `cancelled`, not `failed`), stop the command's whole process group (SIGTERM, then SIGKILL after the grace
 * time), and wait for the owner to write the final record. A run owned by this process is cancelled directly.
 * A run whose owner died (kill -9) stays `failed`, but a command tree it left behind is stopped all the same.
 */
export async function cancelRun(layout: StoreLayout, ref: string, options: CancelOptions = {}): Promise<RunRecord> {
  const id = await resolveRunId(layout, ref);
  const own = activeRun(id);
  if (own) {
    await own.cancel();
    return readRun(layout, id);
  }
  const stored = await readStoredRecord(layout, id);
  if (stored.status !== 'running') {
    throw new LatheError('not-running', `run ${stored.name} (${id}) is not running: it is ${stored.status}`);
  }
  if (stored.host !== os.hostname()) {
    throw new LatheError('remote-run', `run ${stored.name} (${id}) runs on host ${stored.host}`, { hint: `cancel it on ${stored.host}` });
  }
  await writeFileAtomic(runPaths(layout, id).cancel, `${new Date().toISOString()} pid ${process.pid}\n`);
  if (stored.pid && groupHasEnv(stored.pid, 'LATHE_RUN_ID', id)) await terminateGroup(stored.pid, options.killGraceMs ?? DEFAULT_KILL_GRACE_MS);
  if (!processAlive(stored.ownerPid)) return readRun(layout, id);
  return waitForEnd(layout, id, options.waitMs ?? DEFAULT_WAIT_MS);
}

/**
 * Delete a run folder with its metrics and logs. A running run is refused unless `force`, which cancels it first.
 * Returns the record as it was before deletion.
 */
export async function deleteRun(layout: StoreLayout, ref: string, options: { force?: boolean } & CancelOptions = {}): Promise<RunRecord> {
  const id = await resolveRunId(layout, ref);
  let record = await readRun(layout, id);
  if (record.status === 'running' && !options.force) {
    throw new LatheError('run-running', `run ${record.name} (${id}) is still running`, { hint: 'cancel it first, or delete with --force' });
  }
  // also when its owner died: a command tree it left behind must not outlive the run's folder
  if ((await readStoredRecord(layout, id)).status === 'running') record = await cancelRun(layout, id, options);
  await fs.rm(runPaths(layout, id).dir, { recursive: true, force: true });
  latheEvents.emit({ type: 'run-changed', root: layout.root, runId: id, status: 'deleted' });
  return record;
}
