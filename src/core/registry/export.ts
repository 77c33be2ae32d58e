import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { copyBlobTo } from '../workspace/blobs';
import type { StoreLayout } from '../workspace/layout';
import { versionRef } from './names';
import { resolveModelRef } from './query';

export interface ExportResult {
  ref: string;
  dest: string;
  sha256: string;
  size: number;
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await fs.stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Copy a version's bytes out of the cache to `dest` (a file path, or an existing folder to receive the file
 * under its original name). The copy is verified against the recorded hash and renamed into place, so a
 * missing or damaged cache entry leaves `dest` untouched.
 */
export async function exportModel(layout: StoreLayout, ref: string, dest: string): Promise<ExportResult> {
  const version = await resolveModelRef(layout, ref);
  const target = (await isDirectory(dest)) ? path.join(dest, version.file.originalName) : dest;
  const exact = versionRef(version.name, version.version);
  await copyBlobTo(layout, version.file, target, `model ${exact}`);
  return { ref: exact, dest: path.resolve(target), sha256: version.file.sha256, size: version.file.size };
}
