import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { hashFile } from '../../workspace/blobs';

/**
 * The sha256 of a file's bytes, or for a folder the sha256 of its sorted `relative/path sha256` lines (so a renamed,
 * added or removed file changes it, the order of the listing does not). Undefined when the path does not exist.
 */
export async function hashPath(file: string): Promise<string | undefined> {
  const stat = await fs.stat(file).catch(() => undefined);
  if (!stat) return undefined;
  if (!stat.isDirectory()) return (await hashFile(file)).sha256;
  const entries = await fs.readdir(file, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
  const lines: string[] = [];
  // one file at a time: a folder of thousands of files must not open them all at once
  for (const f of files) lines.push(`${path.relative(file, f).split(path.sep).join('/')} ${(await hashFile(f)).sha256}`);
  return createHash('sha256').update(lines.sort().join('\n')).digest('hex');
}

/** Hash every path (workspace-relative) under `root`. */
export async function hashPaths(root: string, paths: string[]): Promise<Record<string, string | undefined>> {
  const hashes = await Promise.all(paths.map((p) => hashPath(path.join(root, p))));
  return Object.fromEntries(paths.map((p, i) => [p, hashes[i]]));
}
