import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { FIXTURES, lathe, removeWorkspace, tempWorkspace, write } from './helpers';

test('lathe data add|list|log|diff|checkout|remote|push|pull with --json and human output', async (t) => {
  const layout = await tempWorkspace();
  t.after(() => removeWorkspace(layout));
  const cwd = layout.root;
  await write(cwd, 'data/iris.csv', await fs.readFile(path.join(FIXTURES, 'iris.csv')));

  const added = await lathe(cwd, 'data', 'add', 'data/iris.csv', '-m', 'real iris', '--json');
  assert.equal(added.status, 0, added.stderr);
  assert.equal(added.json.result.manifest.name, 'iris');
  assert.equal(added.json.result.manifest.table.rows, 151);
  assert.match((await lathe(cwd, 'data', 'list')).stdout, /^iris\s+v1\s+data\/iris\.csv/m);

  await fs.appendFile(path.join(cwd, 'data/iris.csv'), '6.0,3.0,4.8,1.8,2\n');
  assert.match((await lathe(cwd, 'data', 'add', 'data/iris.csv', '--name', 'iris')).stdout, /added iris@v2/);
  assert.deepEqual((await lathe(cwd, 'data', 'log', 'iris', '--json')).json.result.map((v: { version: number }) => v.version), [2, 1]);
  assert.match((await lathe(cwd, 'data', 'diff', 'iris@v1', 'iris@v2')).stdout, /rows 151 → 152/);

  await fs.appendFile(path.join(cwd, 'data/iris.csv'), 'unsaved\n');
  const refused = (await lathe(cwd, 'data', 'checkout', 'iris@v1'));
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /^lathe: data\/iris\.csv has local changes.*--force/);
  assert.equal((await lathe(cwd, 'data', 'checkout', 'iris@v1', '--force', '--json')).json.result.version, 1);
  assert.deepEqual(await fs.readFile(path.join(cwd, 'data/iris.csv')), await fs.readFile(path.join(FIXTURES, 'iris.csv')));

  const remote = path.join(cwd, '..', `${path.basename(cwd)}-remote`);
  await fs.mkdir(remote);
  t.after(() => fs.rm(remote, { recursive: true, force: true }));
  assert.equal((await lathe(cwd, 'data', 'remote', 'add', 'shared', remote, '--json')).json.result.default, true);
  assert.equal((await lathe(cwd, 'data', 'push', '--json')).json.result.manifests, 2);
  assert.match((await lathe(cwd, 'data', 'pull')).stdout, /pulled 0 blob\(s\), 0 manifest\(s\) from shared/);

  const bad = (await lathe(cwd, 'data', 'checkout', 'iris@v7', '--json'));
  assert.equal(bad.status, 1);
  assert.equal(bad.json.ok, false);
  assert.equal(bad.json.error.code, 'not-found');
  assert.equal((await lathe(cwd, 'data', 'add')).status, 2, 'a missing argument is a usage error');
});
