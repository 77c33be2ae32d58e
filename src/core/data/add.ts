import * as path from 'node:path';
import { latheEvents, type OperationOptions } from '../events';
import { pathExists } from '../workspace/atomic';
import { blobPath, putBlob } from '../workspace/blobs';
import { LatheError } from '../workspace/errors';
import type { StoreLayout } from '../workspace/layout';
import { ignoreTrackedPath } from './gitignore';
import { appendVersion, checkDatasetName, datasetDir, datasetLog } from './manifests';
import { forEachLimited, scanPath } from './scan';
import { knownHash, readState, writeState } from './state';
import { profileTable, tableFormat } from './table';
import { removeStaleTemps } from './temps';
import type { DatasetFile, DatasetVersion } from './types';

export interface AddDatasetOptions {
  /** Default: the file or folder name without its extension. */
  name?: string;
  message?: string;
}

// Enough parallel reads to hide per-file latency on many small files without thrashing a disk with big ones.
const CONCURRENCY = 8;

export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw new LatheError('cancelled', `${what} cancelled`);
}

/** The dataset path relative to the root (posix), refusing paths outside the workspace or inside `.lathe`. */
export function relativeDatasetPath(layout: StoreLayout, abs: string): string {
  const rel = path.relative(layout.root, abs);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new LatheError('usage', `${abs} is not inside the workspace ${layout.root}`, { hint: 'track a file or folder below the workspace root' });
  }
  const posix = rel.split(path.sep).join('/');
  if (posix === '.lathe' || posix.startsWith('.lathe/') || posix === '.git' || posix.startsWith('.git/')) {
    throw new LatheError('usage', `${abs} is part of the Lathe store or of git and cannot be tracked`);
  }
  return posix;
}

/**
 * Version a file or folder: hash and store every file in the cache (streaming, deduplicated), then write the
 * next manifest. The manifest is written last, so a crash (even kill -9) never leaves one that names a blob not
 * yet in place; leftover temp files are removed by the next add.
 */
export async function addDataset(
  layout: StoreLayout,
  target: string,
  options: AddDatasetOptions = {},
  opts: OperationOptions = {},
): Promise<{ manifest: DatasetVersion; unchanged: boolean }> {
  const abs = path.resolve(layout.root, target);
  const rel = relativeDatasetPath(layout, abs);
  const name = options.name ?? path.basename(abs).replace(/\.[^.]+$/, '');
  checkDatasetName(name);
  const [latest] = await datasetLog(layout, name);
  if (latest && latest.path !== rel) {
    throw new LatheError('name-taken', `dataset '${name}' already tracks ${latest.path}, not ${rel}`, {
      file: datasetDir(layout, name),
      hint: 'choose another name with --name',
    });
  }
  await removeStaleTemps(layout.tmp);
  await removeStaleTemps(datasetDir(layout, name));
  const scan = await scanPath(abs);
  if (!scan) throw new LatheError('not-found', `file or folder not found: ${abs}`, { file: abs });

  const state = await readState(layout, name);
  const totalBytes = scan.files.reduce((n, f) => n + f.size, 0);
  let doneBytes = 0;
  const files: DatasetFile[] = new Array(scan.files.length);
  await forEachLimited(scan.files, CONCURRENCY, async (f, i) => {
    throwIfAborted(opts.signal, 'data add');
    let sha256 = knownHash(state, f.path, f, rel);
    if (!sha256 || !(await pathExists(blobPath(layout, sha256)))) {
      const ref = await putBlob(layout, f.abs);
      if (ref.size !== f.size) {
        throw new LatheError('changed-during-add', `${f.abs} changed while it was being added`, { file: f.abs, hint: 'add it again once it is written' });
      }
      sha256 = ref.sha256;
    }
    files[i] = { path: f.path, size: f.size, sha256 };
    doneBytes += f.size;
    opts.onProgress?.({ message: f.path, fraction: totalBytes ? doneBytes / totalBytes : 1 });
  });
  throwIfAborted(opts.signal, 'data add');

  // Table summaries are read from the immutable cache copy (the bytes the hash names), reusing the previous
  // version's summary when the content is the same.
  const previous = new Map(latest?.files.map((f) => [f.sha256, f.table ?? (latest.kind === 'file' ? latest.table : undefined)]) ?? []);
  for (const f of files) {
    const format = tableFormat(f.path);
    if (!format) continue;
    try {
      f.table = previous.get(f.sha256) ?? (await profileTable(blobPath(layout, f.sha256), format));
    } catch (e) {
      // an unreadable table is still versioned, byte for byte; it just has no summary
      if (!(e instanceof LatheError)) throw e;
      opts.log?.(`${f.path}: no table summary (${e.message})`);
    }
  }
  const table = scan.kind === 'file' ? files[0].table : undefined;
  if (scan.kind === 'file') delete files[0].table;

  const result = await appendVersion(layout, {
    schema: 1,
    name,
    path: rel,
    kind: scan.kind,
    message: options.message ?? '',
    createdAt: new Date().toISOString(),
    files,
    totalSize: totalBytes,
    fileCount: files.length,
    ...(table ? { table } : {}),
  });
  await ignoreTrackedPath(layout.root, rel, scan.kind);
  await writeState(layout, {
    name,
    version: result.manifest.version,
    path: rel,
    kind: scan.kind,
    files: scan.files.map((f, i) => ({ path: f.path, size: f.size, mtimeMs: f.mtimeMs, sha256: files[i].sha256 })),
  });
  if (!result.unchanged) latheEvents.emit({ type: 'dataset-changed', root: layout.root, name });
  opts.log?.(result.unchanged ? `${name}: unchanged (v${result.manifest.version})` : `${name}: added v${result.manifest.version}`);
  return result;
}
