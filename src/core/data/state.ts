import * as path from 'node:path';
import { pathExists, readJson, writeJsonAtomic } from '../workspace/atomic';
import { hashFile } from '../workspace/blobs';
import type { StoreLayout } from '../workspace/layout';
import type { ScannedFile } from './scan';
import type { DatasetKind } from './types';

/**
 * What this machine last wrote or read at a dataset's path (by add or checkout): `.lathe/tmp/state/<name>.json`,
 * machine-local and git-ignored. It is the baseline for "local changes", and its size+mtime per file lets add and
 * checkout skip re-hashing files that did not change, like git's index.
 */
export interface CheckoutState {
  name: string;
  version: number;
  path: string;
  kind: DatasetKind;
  writtenAt: number;
  files: { path: string; size: number; mtimeMs: number; sha256: string }[];
}

// A file modified within this long before the state was written might change again without its mtime moving
// on a coarse-grained file system: such entries are re-hashed (git's "racy" rule).
const RACY_MS = 2000;

function statePath(layout: StoreLayout, name: string): string {
  return path.join(layout.tmp, 'state', `${name}.json`);
}

/** The state of a dataset, or undefined when there is none or it is unreadable (it is only a cache). */
export async function readState(layout: StoreLayout, name: string): Promise<CheckoutState | undefined> {
  const file = statePath(layout, name);
  if (!(await pathExists(file))) return undefined;
  try {
    const s = await readJson<CheckoutState>(file);
    return Array.isArray(s?.files) ? s : undefined;
  } catch {
    return undefined;
  }
}

export async function writeState(layout: StoreLayout, state: Omit<CheckoutState, 'writtenAt'>): Promise<void> {
  await writeJsonAtomic(statePath(layout, state.name), { ...state, writtenAt: Date.now() });
}

/** The sha256 the state already knows for a file whose size and mtime are unchanged, else undefined. */
export function knownHash(state: CheckoutState | undefined, relPath: string, file: ScannedFile, datasetPath: string): string | undefined {
  if (!state || state.path !== datasetPath) return undefined;
  const entry = state.files.find((f) => f.path === relPath);
  if (!entry || entry.size !== file.size || entry.mtimeMs !== file.mtimeMs) return undefined;
  return entry.mtimeMs < state.writtenAt - RACY_MS ? entry.sha256 : undefined;
}

/** Hash the current files, trusting the state for unchanged ones. */
export async function currentHashes(state: CheckoutState | undefined, files: ScannedFile[], datasetPath: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const f of files) out.set(f.path, knownHash(state, f.path, f, datasetPath) ?? (await hashFile(f.abs)).sha256);
  return out;
}
