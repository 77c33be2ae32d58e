import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { addDataset, checkoutDataset, datasetLog, diffDatasets, listDatasets, pullDatasets, pushDatasets } from '../../../src/core/data';
import { latheEvents } from '../../../src/core/events';
import { blobPath } from '../../../src/core/workspace/blobs';
import { addRemote } from '../../../src/core/workspace/config';
import { LatheError } from '../../../src/core/workspace/errors';
import { FIXTURES, git, removeWorkspace, tempWorkspace, write } from './helpers';

const isCode = (code: string) => (e: unknown) => e instanceof LatheError && e.code === code;

test('add a folder: manifest with hashes and tables, blobs deduplicated and read-only, path git-ignored', async (t) => {
  const layout = await tempWorkspace();
  t.after(() => removeWorkspace(layout));
  const iris = await fs.readFile(path.join(FIXTURES, 'iris.csv'));
  await write(layout.root, 'data/a/iris.csv', iris);
  await write(layout.root, 'data/b/same.csv', iris);
  await write(layout.root, 'data/penguins.parquet', await fs.readFile(path.join(FIXTURES, 'penguins-like.parquet')));
  const events: string[] = [];
  const off = latheEvents.on((e) => e.type === 'dataset-changed' && events.push(e.name));
  const { manifest, unchanged } = await addDataset(layout, path.join(layout.root, 'data'), { message: 'first' });
  off();
  assert.equal(unchanged, false);
  assert.deepEqual(events, ['data']);
  assert.equal(manifest.name, 'data');
  assert.equal(manifest.version, 1);
  assert.equal(manifest.kind, 'folder');
  assert.equal(manifest.path, 'data');
  assert.deepEqual(manifest.files.map((f) => f.path), ['a/iris.csv', 'b/same.csv', 'penguins.parquet']);
  assert.equal(manifest.files[0].sha256, manifest.files[1].sha256);
  assert.equal(manifest.files[0].table?.rows, 151);
  assert.equal(manifest.files[2].table?.format, 'parquet');
  assert.equal(manifest.totalSize, 2 * iris.length + manifest.files[2].size);
  const stored = await fs.readFile(blobPath(layout, manifest.files[0].sha256));
  assert.deepEqual(stored, iris);
  assert.equal((await fs.stat(blobPath(layout, manifest.files[0].sha256))).mode & 0o222, 0, 'blobs are read-only');
  const blobs = await fs.readdir(path.join(layout.cache, 'sha256'), { recursive: true });
  assert.equal(blobs.filter((b) => String(b).includes('/')).length, 2, 'identical files are stored once');
  const onDisk = JSON.parse(await fs.readFile(path.join(layout.datasets, 'data', 'v1.json'), 'utf8'));
  assert.deepEqual(onDisk, manifest);
  assert.match(await fs.readFile(path.join(layout.root, '.gitignore'), 'utf8'), /# lathe-tracked\n\/data\/\n/);

  const again = await addDataset(layout, 'data');
  assert.equal(again.unchanged, true);
  assert.equal(again.manifest.version, 1);
  assert.equal((await fs.readFile(path.join(layout.root, '.gitignore'), 'utf8')).split('/data/').length, 2, '.gitignore entry written once');
});

test('a single CSV keeps its table summary at the top level; name defaults to the file stem', async (t) => {
  const layout = await tempWorkspace();
  t.after(() => removeWorkspace(layout));
  await write(layout.root, '.gitignore', 'node_modules/\n');
  await write(layout.root, 'wine.csv', await fs.readFile(path.join(FIXTURES, 'wine_data.csv')));
  const { manifest } = await addDataset(layout, 'wine.csv');
  assert.equal(manifest.name, 'wine');
  assert.equal(manifest.kind, 'file');
  assert.equal(manifest.table?.rows, 179);
  assert.equal(manifest.files[0].table, undefined);
  assert.equal(await fs.readFile(path.join(layout.root, '.gitignore'), 'utf8'), 'node_modules/\n\n# lathe-tracked\n/wine.csv\n');
  const [summary] = await listDatasets(layout);
  assert.deepEqual({ name: summary.name, path: summary.path, versionCount: summary.versionCount }, { name: 'wine', path: 'wine.csv', versionCount: 1 });
});

test('bad input: missing path, path outside the workspace, name bound to another path, corrupt manifest', async (t) => {
  const layout = await tempWorkspace();
  t.after(() => removeWorkspace(layout));
  await assert.rejects(addDataset(layout, 'nope.csv'), isCode('not-found'));
  await assert.rejects(addDataset(layout, '/etc/hostname'), isCode('usage'));
  await write(layout.root, 'a.csv', 'x\n1\n');
  await write(layout.root, 'b.csv', 'x\n2\n');
  await addDataset(layout, 'a.csv', { name: 'set' });
  await assert.rejects(addDataset(layout, 'b.csv', { name: 'set' }), isCode('name-taken'));
  const file = path.join(layout.datasets, 'set', 'v1.json');
  await fs.writeFile(file, '{"schema": 1, "name": "set"');
  for (const op of [() => listDatasets(layout), () => datasetLog(layout, 'set'), () => checkoutDataset(layout, 'set'), () => addDataset(layout, 'a.csv', { name: 'set' })]) {
    await assert.rejects(op(), (e: unknown) => e instanceof LatheError && e.code === 'corrupt-record' && e.message.includes(file) && !!e.hint);
  }
  await fs.writeFile(file, '{"schema": 1, "name": "set"}');
  await assert.rejects(datasetLog(layout, 'set'), (e: unknown) => isCode('corrupt-record')(e) && (e as Error).message.includes(file));
});

test('checkout restores exact bytes, refuses local changes without force, deletes files the version lacks', async (t) => {
  const layout = await tempWorkspace();
  t.after(() => removeWorkspace(layout));
  await write(layout.root, 'd/keep.txt', 'same');
  await write(layout.root, 'd/x.bin', Buffer.from([0, 1, 2, 255]));
  await addDataset(layout, 'd', { message: 'v1' });
  await write(layout.root, 'd/x.bin', Buffer.from([9, 9]));
  await write(layout.root, 'd/sub/new.txt', 'new');
  await addDataset(layout, 'd', { message: 'v2' });

  const r = await checkoutDataset(layout, 'd@v1');
  assert.deepEqual({ restored: r.restored, unchanged: r.unchanged, removed: r.removed, mode: r.mode }, { restored: 1, unchanged: 1, removed: 1, mode: 'copy' });
  assert.deepEqual(await fs.readFile(path.join(layout.root, 'd/x.bin')), Buffer.from([0, 1, 2, 255]));
  assert.equal(await fs.readFile(path.join(layout.root, 'd/sub/new.txt')).catch(() => 'gone'), 'gone');
  assert.deepEqual(await fs.readdir(path.join(layout.root, 'd')), ['keep.txt', 'x.bin'], 'emptied folders removed too');
  assert.ok((await fs.stat(path.join(layout.root, 'd/x.bin'))).mode & 0o200, 'copied files are writable');

  await fs.writeFile(path.join(layout.root, 'd/keep.txt'), 'edited by hand');
  await assert.rejects(checkoutDataset(layout, 'd@v2'), (e: unknown) => isCode('local-changes')(e) && /local changes.*keep\.txt modified/.test((e as Error).message));
  assert.equal(await fs.readFile(path.join(layout.root, 'd/keep.txt'), 'utf8'), 'edited by hand', 'nothing touched');
  await checkoutDataset(layout, 'd@v2', { force: true });
  assert.equal(await fs.readFile(path.join(layout.root, 'd/keep.txt'), 'utf8'), 'same');
  assert.equal(await fs.readFile(path.join(layout.root, 'd/sub/new.txt'), 'utf8'), 'new');

  // content equal to some version is not a local change, even without a recorded state
  await fs.rm(path.join(layout.tmp, 'state'), { recursive: true });
  await checkoutDataset(layout, 'd@latest');
  await fs.rm(path.join(layout.root, 'd'), { recursive: true });
  const fresh = await checkoutDataset(layout, 'd@1');
  assert.equal(fresh.restored, 2);
});

test('link mode shares the cache inode read-only, so an in-place write cannot corrupt the cache', async (t) => {
  const layout = await tempWorkspace();
  t.after(() => removeWorkspace(layout));
  await write(layout.root, 'f.txt', 'v1 bytes');
  const { manifest } = await addDataset(layout, 'f.txt');
  await fs.rm(path.join(layout.root, 'f.txt'));
  const r = await checkoutDataset(layout, 'f', { link: true });
  assert.equal(r.mode, 'link');
  const linked = await fs.stat(path.join(layout.root, 'f.txt'));
  assert.equal(linked.ino, (await fs.stat(blobPath(layout, manifest.files[0].sha256))).ino);
  if (process.getuid?.() !== 0) {
    await assert.rejects(fs.writeFile(path.join(layout.root, 'f.txt'), 'oops'), /EACCES|EPERM/);
  }
  assert.equal(linked.mode & 0o222, 0);
});

test('checkout of a missing blob fails before touching anything', async (t) => {
  const layout = await tempWorkspace();
  t.after(() => removeWorkspace(layout));
  await write(layout.root, 'f.txt', 'one');
  await addDataset(layout, 'f.txt');
  await fs.writeFile(path.join(layout.root, 'f.txt'), 'two');
  await addDataset(layout, 'f.txt');
  await fs.rm(layout.cache, { recursive: true });
  await assert.rejects(checkoutDataset(layout, 'f@v1'), (e: unknown) => isCode('missing-blob')(e) && /pull/.test(String((e as LatheError).hint)));
  assert.equal(await fs.readFile(path.join(layout.root, 'f.txt'), 'utf8'), 'two');
});

test('diff of two CSV versions: rows added, a column added, one retyped', async (t) => {
  const layout = await tempWorkspace();
  t.after(() => removeWorkspace(layout));
  await write(layout.root, 'data/t.csv', 'id,label,score\n1,a,3\n2,b,4\n');
  await write(layout.root, 'data/readme.txt', 'about');
  await addDataset(layout, 'data');
  await write(layout.root, 'data/t.csv', 'id,label,score,weight\n1,a,3.5,1\n2,b,4,1\n3,c,5,2\n');
  await write(layout.root, 'data/extra.txt', 'more');
  await addDataset(layout, 'data');
  const d = await diffDatasets(layout, 'data@v1', 'data@v2');
  assert.deepEqual(d.added.map((f) => f.path), ['extra.txt']);
  assert.deepEqual(d.removed, []);
  assert.deepEqual(d.changed.map((f) => f.path), ['t.csv']);
  assert.equal(d.unchangedCount, 1);
  assert.deepEqual(d.tables, [
    {
      path: 't.csv',
      rows: { before: 2, after: 3 },
      columnsAdded: [{ name: 'weight', type: 'integer' }],
      columnsRemoved: [],
      columnsRetyped: [{ name: 'score', before: 'integer', after: 'float' }],
    },
  ]);
  const reverse = await diffDatasets(layout, 'data@v2', 'data@v1');
  assert.deepEqual(reverse.removed.map((f) => f.path), ['extra.txt']);
  assert.deepEqual(reverse.tables[0].columnsRemoved, [{ name: 'weight', type: 'integer' }]);
  await assert.rejects(diffDatasets(layout, 'data@v1', 'data@v9'), isCode('not-found'));
  await assert.rejects(diffDatasets(layout, 'data@x', 'data@v1'), isCode('usage'));
});

test('git: manifests are committed, so `checkout name` after `git checkout HEAD~1` restores that commit\'s data', async (t) => {
  const layout = await tempWorkspace();
  t.after(() => removeWorkspace(layout));
  git(layout.root, 'init', '-q');
  await write(layout.root, 'data/digits.csv', 'x,y\n1,2\n');
  await addDataset(layout, 'data/digits.csv', { name: 'digits' });
  git(layout.root, 'add', '-A');
  git(layout.root, 'commit', '-qm', 'v1');
  assert.equal(git(layout.root, 'ls-files', 'data'), '', 'the tracked data is git-ignored');
  assert.match(git(layout.root, 'ls-files', '.lathe'), /\.lathe\/datasets\/digits\/v1\.json/);
  await write(layout.root, 'data/digits.csv', 'x,y\n1,2\n3,4\n');
  await addDataset(layout, 'data/digits.csv', { name: 'digits' });
  git(layout.root, 'add', '-A');
  git(layout.root, 'commit', '-qm', 'v2');
  git(layout.root, 'checkout', '-q', 'HEAD~1');
  const r = await checkoutDataset(layout, 'digits');
  assert.equal(r.version, 1);
  assert.equal(await fs.readFile(path.join(layout.root, 'data/digits.csv'), 'utf8'), 'x,y\n1,2\n');
  git(layout.root, 'checkout', '-q', '-');
  assert.equal((await checkoutDataset(layout, 'digits')).version, 2);
  assert.equal(await fs.readFile(path.join(layout.root, 'data/digits.csv'), 'utf8'), 'x,y\n1,2\n3,4\n');
});

test('push to a directory remote, lose the local cache, pull, checkout works; conflicts are refused', async (t) => {
  const layout = await tempWorkspace();
  const remoteWs = await tempWorkspace();
  t.after(() => Promise.all([removeWorkspace(layout), removeWorkspace(remoteWs)]));
  const remoteDir = path.join(remoteWs.root, 'shared');
  await fs.mkdir(remoteDir);
  await assert.rejects(pushDatasets(layout), isCode('no-remote'));
  await addRemote(layout, 'hpc', remoteDir);
  await write(layout.root, 'd/a.csv', 'a\n1\n');
  await write(layout.root, 'd/b.bin', Buffer.alloc(70_000, 7));
  await addDataset(layout, 'd');
  const pushed = await pushDatasets(layout);
  assert.deepEqual({ remote: pushed.remote, blobs: pushed.blobs, manifests: pushed.manifests }, { remote: 'hpc', blobs: 2, manifests: 1 });
  assert.equal((await pushDatasets(layout)).blobs, 0, 'a second push copies nothing');

  await fs.rm(layout.cache, { recursive: true });
  await fs.rm(path.join(layout.root, 'd'), { recursive: true });
  const pulled = await pullDatasets(layout, { remote: 'hpc' });
  assert.deepEqual({ blobs: pulled.blobs, manifests: pulled.manifests, missing: pulled.missing }, { blobs: 2, manifests: 0, missing: 0 });
  await checkoutDataset(layout, 'd');
  assert.equal(await fs.readFile(path.join(layout.root, 'd/a.csv'), 'utf8'), 'a\n1\n');

  // a second workspace gets the manifests and data from the remote alone
  await addRemote(remoteWs, 'hpc', remoteDir);
  const second = await pullDatasets(remoteWs);
  assert.equal(second.manifests, 1);
  await checkoutDataset(remoteWs, 'd@v1');
  assert.deepEqual(await fs.readFile(path.join(remoteWs.root, 'd/b.bin')), Buffer.alloc(70_000, 7));

  // both add a v2 of their own: the later push is refused, nothing overwritten
  await write(layout.root, 'd/a.csv', 'a\n2\n');
  await addDataset(layout, 'd');
  await pushDatasets(layout);
  await write(remoteWs.root, 'd/a.csv', 'a\n3\n');
  await addDataset(remoteWs, 'd');
  await assert.rejects(pushDatasets(remoteWs), (e: unknown) => isCode('remote-conflict')(e) && (e as Error).message.includes('v2.json'));
  await assert.rejects(pullDatasets(remoteWs), isCode('remote-conflict'));
});
