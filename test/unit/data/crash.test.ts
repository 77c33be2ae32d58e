import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { addDataset, datasetLog, listDatasets } from '../../../src/core/data';
import { blobPath, hashFile } from '../../../src/core/workspace/blobs';
import { removeWorkspace, tempWorkspace, TSX, write } from './helpers';

test('kill -9 during data add leaves a consistent store; the next add cleans up and succeeds', async (t) => {
  const layout = await tempWorkspace();
  t.after(() => removeWorkspace(layout));
  for (let i = 0; i < 200; i++) await write(layout.root, `big/part-${String(i).padStart(3, '0')}.bin`, Buffer.alloc(256 * 1024, i));

  const child = spawn(process.execPath, ['--import', TSX, path.join(__dirname, 'addChild.ts'), layout.root, 'big'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let seen = 0;
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    seen += chunk.split('\n').filter(Boolean).length;
    if (seen >= 5) child.kill('SIGKILL');
  });
  assert.equal(await exited, 'SIGKILL', 'the child was killed before it finished');
  assert.ok(seen < 200, 'killed mid-way');

  // every blob under its final name is complete; every manifest names only blobs that exist
  const names = (await fs.readdir(path.join(layout.cache, 'sha256'), { recursive: true })).map(String).filter((n) => n.includes('/'));
  assert.ok(names.length > 0 && names.length < 200, `some but not all blobs stored (${names.length})`);
  for (const n of names) assert.equal((await hashFile(path.join(layout.cache, 'sha256', n))).sha256, n.replace('/', ''));
  for (const d of await listDatasets(layout)) {
    for (const v of await datasetLog(layout, d.name)) for (const f of v.files) await fs.access(blobPath(layout, f.sha256));
  }
  assert.deepEqual(await listDatasets(layout), [], 'no manifest was written');

  const { manifest } = await addDataset(layout, 'big');
  assert.equal(manifest.version, 1);
  assert.equal(manifest.fileCount, 200);
  assert.deepEqual((await fs.readdir(layout.tmp)).filter((n) => n.endsWith('.tmp')), [], 'the killed writer\'s temp files are gone');
});
