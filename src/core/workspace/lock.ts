import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LatheError } from './errors';

const RETRY_MS = 20;

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Remove a lock whose owner died (kill -9), so a crash never wedges the store. */
async function breakIfStale(lockFile: string): Promise<void> {
  try {
    const [pidText, host] = (await fs.readFile(lockFile, 'utf8')).split('\n');
    const pid = Number(pidText);
    if (host === os.hostname() && Number.isInteger(pid) && !processAlive(pid)) {
      await fs.rm(lockFile, { force: true });
    }
  } catch {
    // vanished or half-written by a live owner: retry
  }
}

/** Run `fn` holding an exclusive lock file next to the records it guards (works across processes). */
export async function withLock<T>(lockFile: string, fn: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  await fs.mkdir(path.dirname(lockFile), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const handle = await fs.open(lockFile, 'wx');
      await handle.writeFile(`${process.pid}\n${os.hostname()}\n`);
      await handle.close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      await breakIfStale(lockFile);
      if (Date.now() > deadline) {
        throw new LatheError('locked', `timed out waiting for lock ${lockFile}`, {
          file: lockFile,
          hint: 'another lathe process holds it; delete the file if no lathe process is running',
        });
      }
      await new Promise((r) => setTimeout(r, RETRY_MS));
    }
  }
  try {
    return await fn();
  } finally {
    await fs.rm(lockFile, { force: true });
  }
}
