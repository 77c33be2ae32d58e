import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { LatheError } from '../workspace/errors';
import { isStaleTemp, tempOwner } from './temps';
import type { DatasetKind } from './types';

export interface ScannedFile {
  /** Relative to the dataset path, posix separators (a single file: its own name). */
  path: string;
  abs: string;
  size: number;
  mtimeMs: number;
}

export interface Scan {
  kind: DatasetKind;
  files: ScannedFile[];
}

/**
 * The regular files of a dataset path, sorted by path. Symlinks and special files are refused rather than followed:
 * a version must hold the bytes it names, and a link could point outside the workspace or loop.
 */
export async function scanPath(abs: string): Promise<Scan | undefined> {
  let st: import('node:fs').Stats;
  try {
    st = await fs.lstat(abs);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  if (st.isFile()) return { kind: 'file', files: [{ path: path.basename(abs), abs, size: st.size, mtimeMs: st.mtimeMs }] };
  if (!st.isDirectory()) throw unsupported(abs);
  const files: ScannedFile[] = [];
  const walk = async (dir: string, rel: string): Promise<void> => {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      const childAbs = path.join(dir, entry.name);
      const childRel = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(childAbs, childRel);
      else if (entry.isFile()) {
        // temp files of an interrupted Lathe copy are not data: drop dead writers' ones, skip live ones
        if (tempOwner(entry.name) !== undefined) {
          if (isStaleTemp(entry.name)) await fs.rm(childAbs, { force: true });
          continue;
        }
        const s = await fs.stat(childAbs);
        files.push({ path: childRel, abs: childAbs, size: s.size, mtimeMs: s.mtimeMs });
      } else throw unsupported(childAbs);
    }
  };
  await walk(abs, '');
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { kind: 'folder', files };
}

function unsupported(file: string): LatheError {
  return new LatheError('unsupported-file', `cannot version ${file}: only regular files and folders can be tracked (symlinks and devices are not)`, {
    file,
    hint: 'replace the link by the file it points to, or move it out of the dataset folder',
  });
}

/** Run `fn` over `items` with at most `limit` in flight; stops at the first error. */
export async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        await fn(items[i], i);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
