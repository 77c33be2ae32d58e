import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readJson, writeJsonAtomic } from '../workspace/atomic';
import { LatheError } from '../workspace/errors';
import type { StoreLayout } from '../workspace/layout';
import { withLock } from '../workspace/lock';
import type { DatasetSummary, DatasetVersion } from './types';

export const DATASET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const VERSION_FILE = /^v([1-9][0-9]*)\.json$/;

export function checkDatasetName(name: string): void {
  if (!DATASET_NAME.test(name)) {
    throw new LatheError('usage', `invalid dataset name '${name}'`, {
      hint: 'use letters, digits, ".", "_" or "-", starting with a letter or digit',
    });
  }
}

export function datasetDir(layout: StoreLayout, name: string): string {
  return path.join(layout.datasets, name);
}

export function manifestPath(layout: StoreLayout, name: string, version: number): string {
  return path.join(datasetDir(layout, name), `v${version}.json`);
}

/** Read one manifest and check it is one: a damaged file is an error that names it. */
export async function readManifest(file: string): Promise<DatasetVersion> {
  const m = await readJson<DatasetVersion>(file, 'dataset manifest');
  const valid =
    m && m.schema === 1 && typeof m.name === 'string' && Number.isInteger(m.version) && typeof m.path === 'string' &&
    (m.kind === 'file' || m.kind === 'folder') && Array.isArray(m.files) &&
    m.files.every((f) => f && typeof f.path === 'string' && typeof f.sha256 === 'string' && Number.isInteger(f.size));
  if (!valid) {
    throw new LatheError('corrupt-record', `corrupt dataset manifest ${file}: not a schema-1 dataset version`, {
      file,
      hint: 'restore it from git (git checkout -- <file>) or delete it',
    });
  }
  return m;
}

async function versionNumbers(layout: StoreLayout, name: string): Promise<number[]> {
  let entries: string[];
  try {
    entries = await fs.readdir(datasetDir(layout, name));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return entries.flatMap((f) => {
    const m = VERSION_FILE.exec(f);
    return m ? [Number(m[1])] : [];
  });
}

/** Every version of a dataset in the working tree, newest first. */
export async function datasetLog(layout: StoreLayout, name: string): Promise<DatasetVersion[]> {
  checkDatasetName(name);
  const numbers = (await versionNumbers(layout, name)).sort((a, b) => b - a);
  return Promise.all(numbers.map((n) => readManifest(manifestPath(layout, name, n))));
}

export async function datasetNames(layout: StoreLayout): Promise<string[]> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(layout.datasets, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const names = entries.filter((e) => e.isDirectory() && DATASET_NAME.test(e.name)).map((e) => e.name);
  const withVersions = await Promise.all(names.map(async (n) => ((await versionNumbers(layout, n)).length ? n : undefined)));
  return withVersions.filter((n): n is string => n !== undefined).sort();
}

/** Parse `name`, `name@latest` or `name@vK` (also `name@K`). */
export function parseRef(ref: string): { name: string; version?: number } {
  const at = ref.lastIndexOf('@');
  const name = at < 0 ? ref : ref.slice(0, at);
  const tag = at < 0 ? 'latest' : ref.slice(at + 1);
  checkDatasetName(name);
  if (tag === 'latest') return { name };
  const m = /^v?([1-9][0-9]*)$/.exec(tag);
  if (!m) throw new LatheError('usage', `invalid dataset reference '${ref}'`, { hint: 'write name, name@latest or name@v3' });
  return { name, version: Number(m[1]) };
}

/** The manifest a reference names. `name` alone is the newest manifest in the working tree (the one git has checked out). */
export async function resolveRef(layout: StoreLayout, ref: string): Promise<DatasetVersion> {
  const { name, version } = parseRef(ref);
  if (version !== undefined) {
    const file = manifestPath(layout, name, version);
    try {
      return await readManifest(file);
    } catch (e) {
      if (!(e instanceof LatheError && e.code === 'not-found')) throw e;
    }
  }
  const log = await datasetLog(layout, name);
  if (log.length === 0) {
    throw new LatheError('not-found', `no dataset named '${name}'`, { hint: 'see `lathe data list`; track one with `lathe data add <path>`' });
  }
  if (version === undefined) return log[0];
  throw new LatheError('not-found', `${name} has no version v${version} (versions: ${log.map((v) => `v${v.version}`).join(', ')})`, {
    file: manifestPath(layout, name, version),
  });
}

/**
 * Store `draft` as the next version of its dataset, unless its content equals the newest one. The version number
 * is allocated under the dataset's lock so concurrent adds never claim the same number.
 */
export async function appendVersion(
  layout: StoreLayout,
  draft: Omit<DatasetVersion, 'version'>,
): Promise<{ manifest: DatasetVersion; unchanged: boolean }> {
  return withLock(path.join(layout.datasets, `${draft.name}.lock`), async () => {
    const [latest] = await datasetLog(layout, draft.name);
    if (latest && sameContent(latest, draft)) return { manifest: latest, unchanged: true };
    const manifest: DatasetVersion = { ...draft, version: (latest?.version ?? 0) + 1 };
    await writeJsonAtomic(manifestPath(layout, draft.name, manifest.version), manifest);
    return { manifest, unchanged: false };
  });
}

export function sameContent(a: Pick<DatasetVersion, 'path' | 'kind' | 'files'>, b: Pick<DatasetVersion, 'path' | 'kind' | 'files'>): boolean {
  return (
    a.path === b.path &&
    a.kind === b.kind &&
    a.files.length === b.files.length &&
    a.files.every((f, i) => f.path === b.files[i].path && f.sha256 === b.files[i].sha256 && f.size === b.files[i].size)
  );
}

/** Every tracked dataset with its newest version (as the working tree has it), by name. */
export async function listDatasets(layout: StoreLayout): Promise<DatasetSummary[]> {
  const out: DatasetSummary[] = [];
  for (const name of await datasetNames(layout)) {
    const log = await datasetLog(layout, name);
    out.push({ name, path: log[0].path, latest: log[0], versionCount: log.length });
  }
  return out;
}
