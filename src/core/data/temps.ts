import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { processAlive } from '../workspace/lock';

// The names workspace/blobs.ts and workspace/atomic.ts give their temp files: `blob.<pid>.<hex>.tmp`, `.<name>.<pid>.<hex>.tmp`.
const TEMP = /^(?:blob|\..+)\.(\d+)\.[0-9a-f]+\.tmp$/;

/** The writer pid of a Lathe temp file name, or undefined if the name is not one. */
export function tempOwner(name: string): number | undefined {
  const m = TEMP.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** A temp file left by a writer that died (kill -9 mid-copy): safe to delete, it was never given its final name. */
export function isStaleTemp(name: string): boolean {
  const pid = tempOwner(name);
  return pid !== undefined && pid !== process.pid && !processAlive(pid);
}

/** Delete the stale temp files directly inside `dir` (missing dir: nothing to do). Returns how many. */
export async function removeStaleTemps(dir: string): Promise<number> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw e;
  }
  const stale = names.filter(isStaleTemp);
  await Promise.all(stale.map((n) => fs.rm(path.join(dir, n), { force: true })));
  return stale.length;
}
