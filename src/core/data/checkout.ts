import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { OperationOptions } from '../events';
import { pathExists } from '../workspace/atomic';
import { blobPath, copyBlobTo, type BlobRef } from '../workspace/blobs';
import { LatheError } from '../workspace/errors';
import type { StoreLayout } from '../workspace/layout';
import { withLock } from '../workspace/lock';
import { relativeDatasetPath, throwIfAborted } from './add';
import { datasetLog, resolveRef } from './manifests';
import { scanPath, type Scan } from './scan';
import { currentHashes, readState, writeState } from './state';
import type { DatasetVersion } from './types';

export interface CheckoutOptions {
  /** Overwrite (and delete) local changes that no version holds. */
  force?: boolean;
  /**
   * Hard-link files to the cache instead of copying them. Faster and uses no space, but the files share the
   * cache's read-only inode: tools that write in place get "permission denied" instead of corrupting the cache.
   * Copy (the default) gives ordinary, writable files. Falls back to a copy across file systems.
   */
  link?: boolean;
}

export interface CheckoutResult {
  name: string;
  version: number;
  /** Relative to the workspace root. */
  path: string;
  /** Files written. */
  restored: number;
  /** Files that already had the right content and were left alone. */
  unchanged: number;
  /** Files deleted because the version does not have them. */
  removed: number;
  mode: 'copy' | 'link';
}

function checkFilePath(m: DatasetVersion, rel: string): void {
  if (rel === '' || rel.startsWith('/') || rel.split('/').some((s) => s === '..' || s === '.' || s === '')) {
    throw new LatheError('corrupt-record', `dataset manifest ${m.name}@v${m.version} names an unsafe file path '${rel}'`, {
      hint: 'the manifest was edited by hand or is damaged; restore it from git',
    });
  }
}

type Content = Map<string, string>;

function contentOf(files: { path: string; sha256: string }[]): Content {
  return new Map(files.map((f) => [f.path, f.sha256]));
}

function sameMap(a: Content, b: Content): boolean {
  return a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
}

function describeChanges(current: Content, baseline: Content): string {
  const changed = [...current].filter(([p, h]) => baseline.has(p) && baseline.get(p) !== h).map(([p]) => `${p} modified`);
  const added = [...current.keys()].filter((p) => !baseline.has(p)).map((p) => `${p} added`);
  const deleted = [...baseline.keys()].filter((p) => !current.has(p)).map((p) => `${p} deleted`);
  const all = [...changed, ...added, ...deleted];
  return all.slice(0, 5).join(', ') + (all.length > 5 ? `, and ${all.length - 5} more` : '');
}

async function linkBlobTo(layout: StoreLayout, blob: BlobRef, dest: string, what: string): Promise<void> {
  const tmp = path.join(path.dirname(dest), `blob.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  await fs.mkdir(path.dirname(dest), { recursive: true });
  try {
    await fs.link(blobPath(layout, blob.sha256), tmp);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EXDEV' || code === 'EPERM' || code === 'EMLINK') return copyBlobTo(layout, blob, dest, what);
    throw e;
  }
  try {
    await fs.rename(tmp, dest);
  } finally {
    await fs.rm(tmp, { force: true });
  }
}

async function removeEmptyDirs(dir: string, keep: string): Promise<void> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  for (const e of entries) if (e.isDirectory()) await removeEmptyDirs(path.join(dir, e.name), keep);
  if (dir !== keep && (await fs.readdir(dir)).length === 0) await fs.rmdir(dir);
}

/**
 * Restore a version's bytes at its path. Files already right are left alone; files the version lacks are deleted.
 * Refuses, before touching anything, when the current files hold changes no version of the dataset has
 * (unless `force`), or when a needed blob is missing from the cache.
 */
export async function checkoutDataset(
  layout: StoreLayout,
  ref: string,
  options: CheckoutOptions = {},
  opts: OperationOptions = {},
): Promise<CheckoutResult> {
  const target = await resolveRef(layout, ref);
  const abs = path.join(layout.root, ...target.path.split('/'));
  relativeDatasetPath(layout, abs);
  if (target.kind === 'folder') for (const f of target.files) checkFilePath(target, f.path);
  const label = `${target.name}@v${target.version}`;
  return withLock(path.join(layout.datasets, `${target.name}.lock`), async () => {
    const missing: string[] = [];
    for (const f of target.files) if (!(await pathExists(blobPath(layout, f.sha256)))) missing.push(f.path);
    if (missing.length) {
      throw new LatheError('missing-blob', `${missing.length} file(s) of ${label} are not in the cache (${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', ...' : ''})`, {
        file: blobPath(layout, target.files.find((f) => f.path === missing[0])!.sha256),
        hint: 'the cache is not committed to git: run `lathe data pull` from a remote that has them',
      });
    }

    const state = await readState(layout, target.name);
    const current = await scanPath(abs);
    const hashes = current ? await currentHashes(state, current.files, target.path) : new Map<string, string>();
    if (current && !options.force) await refuseLocalChanges(layout, target, current, hashes, state?.path === target.path ? contentOf(state.files) : undefined);

    const mode = options.link ? 'link' : 'copy';
    const result: CheckoutResult = { name: target.name, version: target.version, path: target.path, restored: 0, unchanged: 0, removed: 0, mode };
    if (current && current.kind !== target.kind) {
      await fs.rm(abs, { recursive: true, force: true });
      result.removed += current.files.length;
      hashes.clear();
    } else if (current) {
      const wanted = new Set(target.files.map((f) => f.path));
      for (const f of current.files) {
        if (!wanted.has(f.path)) {
          await fs.rm(f.abs, { force: true });
          result.removed++;
        }
      }
    }
    let done = 0;
    for (const f of target.files) {
      throwIfAborted(opts.signal, 'data checkout');
      const dest = target.kind === 'file' ? abs : path.join(abs, ...f.path.split('/'));
      if (hashes.get(f.path) === f.sha256) {
        result.unchanged++;
      } else {
        if (await isDirectory(dest)) await fs.rm(dest, { recursive: true, force: true });
        const what = `${label}:${f.path}`;
        if (options.link) await linkBlobTo(layout, f, dest, what);
        else await copyBlobTo(layout, f, dest, what);
        result.restored++;
      }
      opts.onProgress?.({ message: f.path, fraction: ++done / target.files.length });
    }
    if (target.kind === 'folder') {
      await fs.mkdir(abs, { recursive: true });
      await removeEmptyDirs(abs, abs);
    }
    const written = contentOf(target.files);
    const after = (await scanPath(abs))?.files ?? [];
    await writeState(layout, {
      name: target.name,
      version: target.version,
      path: target.path,
      kind: target.kind,
      files: after.filter((f) => written.has(f.path)).map((f) => ({ path: f.path, size: f.size, mtimeMs: f.mtimeMs, sha256: written.get(f.path)! })),
    });
    opts.log?.(`${label}: ${result.restored} restored, ${result.unchanged} unchanged, ${result.removed} removed`);
    return result;
  });
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await fs.lstat(p)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * "Local changes" are current files that match neither what this machine last added or checked out (the state)
 * nor any version of the dataset: content that exists nowhere else and that a checkout would destroy.
 */
async function refuseLocalChanges(layout: StoreLayout, target: DatasetVersion, current: Scan, hashes: Content, baseline: Content | undefined): Promise<void> {
  // paths are relative to the dataset path (a single file: its own name), so contents compare directly
  if (baseline && sameMap(hashes, baseline)) return;
  const versions = await datasetLog(layout, target.name);
  if (versions.some((v) => v.kind === current.kind && sameMap(hashes, contentOf(v.files)))) return;
  const reference = baseline ?? contentOf(versions[0]?.files ?? target.files);
  throw new LatheError('local-changes', `${target.path} has local changes that no version of ${target.name} holds (${describeChanges(hashes, reference)})`, {
    file: path.join(layout.root, target.path),
    hint: `save them first with \`lathe data add ${target.path} --name ${target.name}\`, or pass --force to overwrite them`,
  });
}
