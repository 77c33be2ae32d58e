import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { LatheError } from './errors';
import { stableStringify } from './json';

function tempPathFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

async function writeDurable(file: string, data: string | Uint8Array): Promise<void> {
  const handle = await fs.open(file, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Replace `target` with `data` so readers see either the old or the new content, never a mix. */
export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  await fs.mkdir(path.dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  try {
    await writeDurable(tmp, data);
    await fs.rename(tmp, target);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}

/**
 * Create `target` with `data` only if it does not exist yet, atomically: the content is complete before the
 * name appears (write a temp file, then hard-link it). Returns false when another writer got there first.
 * Used to claim version numbers without a lock.
 */
export async function createFileExclusive(target: string, data: string | Uint8Array): Promise<boolean> {
  await fs.mkdir(path.dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  try {
    await writeDurable(tmp, data);
    await fs.link(tmp, target);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    await fs.rm(tmp, { force: true });
  }
}

export async function writeJsonAtomic(target: string, value: unknown): Promise<void> {
  await writeFileAtomic(target, stableStringify(value));
}

/** Read a JSON record; a missing or corrupt file is a LatheError that names the file. */
export async function readJson<T>(file: string, what = 'record'): Promise<T> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new LatheError('not-found', `${what} not found: ${file}`, { file });
    }
    throw e;
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new LatheError('corrupt-record', `corrupt ${what} ${file}: ${(e as Error).message}`, {
      file,
      hint: 'restore it from git (git checkout -- <file>) or delete it',
    });
  }
}

export async function pathExists(p: string): Promise<boolean> {
  try {
    await fs.lstat(p);
    return true;
  } catch {
    return false;
  }
}
