import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { pathExists } from './atomic';
import { LatheError } from './errors';
import type { StoreLayout } from './layout';

/**
 * The content-addressed cache: `.lathe/cache/sha256/<first 2 hex>/<other 62 hex>`, shared by datasets and models.
 * A blob's name is the hash of its bytes, so identical content is stored once and a record can verify what it gets.
 */
export interface BlobRef {
  sha256: string;
  size: number;
}

const SHA256 = /^[0-9a-f]{64}$/;

export function blobPath(layout: StoreLayout, sha256: string): string {
  if (!SHA256.test(sha256)) throw new LatheError('corrupt-record', `'${sha256}' is not a sha256 digest`);
  return path.join(layout.cache, 'sha256', sha256.slice(0, 2), sha256.slice(2));
}

/** Files up to this size are read in one call: for many small files the per-chunk streaming costs more than the I/O. */
const WHOLE_READ_LIMIT = 4 * 1024 * 1024;
const READ_ONLY = 0o444;
const WRITABLE = 0o666;

/** Copy `source` to `target` (flag 'wx': a fresh temp file with `mode`), hashing the bytes as they pass. */
async function copyHashing(source: string | Uint8Array, target: string, mode: number): Promise<BlobRef> {
  const hash = createHash('sha256');
  let size = 0;
  const handle = await fs.open(target, 'wx', mode);
  try {
    const input = typeof source === 'string' ? await fs.open(source, 'r') : undefined;
    try {
      const bytes = typeof source === 'string' ? undefined : source;
      if (bytes || (await input!.stat()).size <= WHOLE_READ_LIMIT) {
        const whole = bytes ?? (await input!.readFile());
        hash.update(whole);
        size = whole.length;
        await handle.writeFile(whole);
      } else {
        // plain writes, not handle.createWriteStream({autoClose: false}): that stream keeps a reference on the
        // handle, so handle.close() below would wait forever
        for await (const chunk of input!.createReadStream({ autoClose: false }) as AsyncIterable<Buffer>) {
          hash.update(chunk);
          size += chunk.length;
          await handle.writeFile(chunk);
        }
      }
    } finally {
      await input?.close();
    }
  } finally {
    await handle.close();
  }
  return { sha256: hash.digest('hex'), size };
}

/** Streaming sha256 and size of a file. */
export async function hashFile(file: string): Promise<BlobRef> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest('hex'), size };
}

function tempIn(dir: string): string {
  return path.join(dir, `blob.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/**
 * Store a file's (or a buffer's) bytes in the cache and return their address. The bytes are hashed while they
 * are copied into `.lathe/tmp`, so the address always matches what was stored, then renamed into place:
 * concurrent puts of the same content are harmless. Blobs are made read-only; they must never change.
 * No fsync per blob (git's default too): a killed process loses nothing the page cache holds, an fsync costs
 * milliseconds per small file, and a blob torn by a power loss is caught by the hash check of `copyBlobTo`.
 */
export async function putBlob(layout: StoreLayout, source: string | Uint8Array): Promise<BlobRef> {
  await fs.mkdir(layout.tmp, { recursive: true });
  const tmp = tempIn(layout.tmp);
  try {
    const ref = await copyHashing(source, tmp, READ_ONLY);
    const target = blobPath(layout, ref.sha256);
    if (!(await pathExists(target))) {
      await fs.mkdir(path.dirname(target), { recursive: true });
      await fs.rename(tmp, target);
    }
    return ref;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && typeof source === 'string' && !(await pathExists(source))) {
      throw new LatheError('not-found', `file not found: ${source}`, { file: source });
    }
    throw e;
  } finally {
    await fs.rm(tmp, { force: true });
  }
}

/**
 * Copy a blob to `dest` atomically, verifying its hash on the way: a missing or damaged cache entry is an error
 * naming the blob, and `dest` is left untouched.
 */
export async function copyBlobTo(layout: StoreLayout, blob: BlobRef, dest: string, what = 'blob'): Promise<void> {
  const source = blobPath(layout, blob.sha256);
  if (!(await pathExists(source))) {
    throw new LatheError('missing-blob', `${what} is not in the cache (${source})`, {
      file: source,
      hint: 'the cache is not committed to git: pull it from a remote, or register/add the file again',
    });
  }
  await fs.mkdir(path.dirname(dest), { recursive: true });
  const tmp = tempIn(path.dirname(dest));
  try {
    const got = await copyHashing(source, tmp, WRITABLE);
    if (got.sha256 !== blob.sha256 || got.size !== blob.size) {
      throw new LatheError('corrupt-blob', `${what} in the cache is damaged: ${source} no longer hashes to ${blob.sha256}`, {
        file: source,
        hint: 'delete the damaged file and restore it from a remote or by registering/adding the original again',
      });
    }
    await fs.rename(tmp, dest);
  } finally {
    await fs.rm(tmp, { force: true });
  }
}
