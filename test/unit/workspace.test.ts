import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { createFileExclusive, readJson, writeJsonAtomic } from '../../src/core/workspace/atomic';
import { LatheError } from '../../src/core/workspace/errors';
import { stableStringify } from '../../src/core/workspace/json';
import { withLock } from '../../src/core/workspace/lock';

async function tempDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'lathe-ws-'));
}

test('stableStringify sorts keys at every level and drops undefined', () => {
  assert.equal(stableStringify({ b: 1, a: { d: [{ z: 1, y: 2 }], c: undefined } }, 0), '{"a":{"d":[{"y":2,"z":1}]},"b":1}\n');
});

test('createFileExclusive lets exactly one of many concurrent writers claim a name', async () => {
  const dir = await tempDir();
  const target = path.join(dir, 'v1.json');
  const wins = await Promise.all(Array.from({ length: 20 }, (_, i) => createFileExclusive(target, `writer ${i}`)));
  assert.equal(wins.filter(Boolean).length, 1);
  const winner = wins.indexOf(true);
  assert.equal(await fs.readFile(target, 'utf8'), `writer ${winner}`);
  assert.deepEqual((await fs.readdir(dir)).sort(), ['v1.json'], 'no temp files left behind');
});

test('readJson names the corrupt file', async () => {
  const dir = await tempDir();
  const file = path.join(dir, 'bad.json');
  await fs.writeFile(file, '{"schema": 1,');
  await assert.rejects(readJson(file, 'manifest'), (e: unknown) => e instanceof LatheError && e.code === 'corrupt-record' && e.message.includes(file));
  await writeJsonAtomic(file, { ok: true });
  assert.deepEqual(await readJson(file), { ok: true });
});

test('withLock serialises critical sections and breaks a dead owner\'s lock', async () => {
  const dir = await tempDir();
  const lock = path.join(dir, 'x.lock');
  let inside = 0;
  let maxInside = 0;
  await Promise.all(
    Array.from({ length: 8 }, () =>
      withLock(lock, async () => {
        inside++;
        maxInside = Math.max(maxInside, inside);
        await new Promise((r) => setTimeout(r, 5));
        inside--;
      }),
    ),
  );
  assert.equal(maxInside, 1);
  // a lock left by a process that no longer exists (pid far above pid_max) is taken over
  await fs.writeFile(lock, `99999999\n${os.hostname()}\n`);
  assert.equal(await withLock(lock, async () => 'taken', 2000), 'taken');
});
