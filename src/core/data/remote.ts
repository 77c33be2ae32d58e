import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { latheEvents, type OperationOptions } from '../events';
import { createFileExclusive, pathExists } from '../workspace/atomic';
import { blobPath, putBlob } from '../workspace/blobs';
import { resolveRemote } from '../workspace/config';
import { LatheError } from '../workspace/errors';
import type { StoreLayout } from '../workspace/layout';
import { throwIfAborted } from './add';
import { datasetLog, datasetNames } from './manifests';
import type { DatasetVersion } from './types';

export interface SyncOptions {
  /** A remote name from `.lathe/config.json`; default: its `defaultRemote`. */
  remote?: string;
}

export interface SyncResult {
  remote: string;
  /** Absolute path of the remote folder. */
  path: string;
  /** Blobs copied. */
  blobs: number;
  /** Manifests copied. */
  manifests: number;
  /** Blobs a manifest needs that neither side has (pull only). */
  missing: number;
}

/** A remote folder is laid out like a store (`cache/sha256/..`, `datasets/<name>/v<N>.json`), so blob code works on it. */
function remoteLayout(dir: string): StoreLayout {
  return {
    root: dir,
    store: dir,
    datasets: path.join(dir, 'datasets'),
    models: path.join(dir, 'models'),
    runs: path.join(dir, 'runs'),
    cache: path.join(dir, 'cache'),
    tmp: path.join(dir, 'tmp'),
    config: path.join(dir, 'config.json'),
  };
}

async function openRemote(layout: StoreLayout, options: SyncOptions): Promise<{ name: string; remote: StoreLayout }> {
  const { name, path: dir } = await resolveRemote(layout, options.remote);
  const st = await fs.stat(dir).catch(() => undefined);
  if (!st?.isDirectory()) {
    throw new LatheError('remote-unreachable', `remote '${name}' folder ${dir} does not exist or is not a folder`, {
      file: dir,
      hint: 'mount it, or create the folder (mkdir -p) if this is a new remote',
    });
  }
  return { name, remote: remoteLayout(dir) };
}

/** Copy a blob between stores, re-hashing on the way: a damaged source never lands under a valid name. */
async function copyBlob(from: StoreLayout, to: StoreLayout, sha256: string): Promise<void> {
  const source = blobPath(from, sha256);
  const got = await putBlob(to, source);
  if (got.sha256 !== sha256) {
    throw new LatheError('corrupt-blob', `blob ${source} is damaged: it hashes to ${got.sha256}, not ${sha256}`, {
      file: source,
      hint: 'delete it and add the original data again',
    });
  }
}

/**
 * Copy one manifest unless the destination has it. The same name and version with different content is a
 * conflict (two machines added a version concurrently): nothing is overwritten.
 */
async function copyManifest(source: string, target: string): Promise<boolean> {
  const bytes = await fs.readFile(source);
  if (await createFileExclusive(target, bytes)) return true;
  const existing = await fs.readFile(target);
  if (existing.equals(bytes)) return false;
  throw new LatheError('remote-conflict', `${target} differs from ${source}: the same dataset version was created twice`, {
    file: target,
    hint: 'add the local data again as a new version after pulling, or rename one of the datasets',
  });
}

async function copyMissingBlobs(from: StoreLayout, to: StoreLayout, versions: DatasetVersion[], opts: OperationOptions, counts: { blobs: number; missing: number }): Promise<void> {
  const needed = new Set(versions.flatMap((v) => v.files.map((f) => f.sha256)));
  let done = 0;
  for (const sha of needed) {
    throwIfAborted(opts.signal, 'data sync');
    if (!(await pathExists(blobPath(to, sha)))) {
      if (await pathExists(blobPath(from, sha))) {
        await copyBlob(from, to, sha);
        counts.blobs++;
      } else counts.missing++;
    }
    opts.onProgress?.({ fraction: ++done / needed.size });
  }
}

/** Upload every local dataset version and the blobs it names to the remote (blobs before manifests). */
export async function pushDatasets(layout: StoreLayout, options: SyncOptions = {}, opts: OperationOptions = {}): Promise<SyncResult> {
  const { name, remote } = await openRemote(layout, options);
  const counts = { blobs: 0, missing: 0 };
  let manifests = 0;
  for (const dataset of await datasetNames(layout)) {
    const versions = await datasetLog(layout, dataset);
    await copyMissingBlobs(layout, remote, versions, opts, counts);
    if (counts.missing) {
      throw new LatheError('missing-blob', `${counts.missing} blob(s) of ${dataset} are not in the local cache; nothing of it was pushed`, {
        file: layout.cache,
        hint: 'pull them from where they were added, or add the data again',
      });
    }
    for (const v of versions) {
      if (await copyManifest(path.join(layout.datasets, dataset, `v${v.version}.json`), path.join(remote.datasets, dataset, `v${v.version}.json`))) manifests++;
    }
  }
  opts.log?.(`pushed ${counts.blobs} blob(s), ${manifests} manifest(s) to ${name}`);
  return { remote: name, path: remote.root, blobs: counts.blobs, manifests, missing: 0 };
}

/**
 * Download the remote's manifests this workspace lacks, then every blob a local manifest needs that the cache
 * lacks. A manifest is written only after its blobs are in place.
 */
export async function pullDatasets(layout: StoreLayout, options: SyncOptions = {}, opts: OperationOptions = {}): Promise<SyncResult> {
  const { name, remote } = await openRemote(layout, options);
  const counts = { blobs: 0, missing: 0 };
  let manifests = 0;
  for (const dataset of await datasetNames(remote)) {
    let changed = false;
    for (const v of await datasetLog(remote, dataset)) {
      const source = path.join(remote.datasets, dataset, `v${v.version}.json`);
      const target = path.join(layout.datasets, dataset, `v${v.version}.json`);
      if (await pathExists(target)) {
        await copyManifest(source, target);
        continue;
      }
      await copyMissingBlobs(remote, layout, [v], opts, counts);
      if (await copyManifest(source, target)) {
        manifests++;
        changed = true;
      }
    }
    if (changed) latheEvents.emit({ type: 'dataset-changed', root: layout.root, name: dataset });
  }
  for (const dataset of await datasetNames(layout)) await copyMissingBlobs(remote, layout, await datasetLog(layout, dataset), opts, counts);
  opts.log?.(`pulled ${counts.blobs} blob(s), ${manifests} manifest(s) from ${name}${counts.missing ? `; ${counts.missing} blob(s) are on neither side` : ''}`);
  return { remote: name, path: remote.root, blobs: counts.blobs, manifests, missing: counts.missing };
}
