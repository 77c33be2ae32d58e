import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { runCli } from '../runs/helpers';
import { tempStore, trackIris, writeMlp } from './helpers';

async function json(args: string[], cwd: string) {
  const r = await runCli([...args, '--json'], cwd);
  return { code: r.code, body: JSON.parse(r.stdout) };
}

test('lathe model register/alias/show/lineage/export/unalias work end to end, with --json and one-line errors', async () => {
  const layout = await tempStore();
  const cwd = layout.root;
  await trackIris(layout);
  await writeMlp(layout, 'base.onnx', 1);
  await writeMlp(layout, 'small.onnx', 2, [2]);
  await fs.writeFile(path.join(cwd, 'broken.onnx'), 'not a model');

  const base = await json(['model', 'register', 'base.onnx', '--name', 'clf', '--metric', 'acc=0.9', '-m', 'baseline'], cwd);
  assert.equal(base.code, 0);
  assert.equal(base.body.result.version, 1);
  assert.equal(base.body.result.created, true);
  assert.deepEqual(base.body.result.metrics, { acc: 0.9 });

  const human = await runCli(
    ['model', 'register', 'small.onnx', '--name', 'clf-small', '--parent', 'clf@v1', '--technique', 'distill', '--setting', 'temperature=2', '--dataset', 'iris'],
    cwd,
  );
  assert.equal(human.code, 0, human.stderr);
  // 4x2 + 2 + 2x3 + 3 weights
  assert.match(human.stdout, /^registered clf-small@v1: [\d,]+ bytes, 19 parameters, opset \d+\n$/);

  const broken = await runCli(['model', 'register', 'broken.onnx', '--name', 'clf'], cwd);
  assert.equal(broken.code, 1);
  assert.equal(broken.stdout, '');
  assert.equal(broken.stderr.trim().split('\n').length, 1, 'one line');
  assert.ok(broken.stderr.includes(path.join(cwd, 'broken.onnx')), broken.stderr);

  const usage = await json(['model', 'register', 'base.onnx'], cwd);
  assert.deepEqual([usage.code, usage.body.ok, usage.body.error.code], [2, false, 'usage']);

  const moved = await runCli(['model', 'alias', 'clf@1', 'production'], cwd);
  assert.equal(moved.stdout, 'production → clf@v1\n');
  const badAlias = await json(['model', 'alias', 'clf@v1', 'latest'], cwd);
  assert.deepEqual([badAlias.code, badAlias.body.error.code], [1, 'invalid-alias']);

  const shown = await json(['model', 'show', 'clf@production'], cwd);
  assert.equal(shown.body.result.version, 1);
  assert.deepEqual(shown.body.result.aliases, ['production']);
  const showText = (await runCli(['model', 'show', 'clf-small'], cwd)).stdout;
  assert.match(showText, /^clf-small@v1 {2}registered /);
  assert.match(showText, /parent {6}clf@v1 \(distill\)/);
  assert.match(showText, /inputs {6}input: float32 \[batch, 4\]/);

  const lineage = await runCli(['model', 'lineage', 'clf@production'], cwd);
  assert.equal(lineage.stdout, 'clf@v1  ◀\n  └ clf-small@v1  via distill · data iris@v1\n');

  const list = await json(['model', 'list'], cwd);
  assert.deepEqual(
    list.body.result.map((m: { name: string; versionCount: number; aliases: object }) => [m.name, m.versionCount, m.aliases]),
    [
      ['clf', 1, { production: 1 }],
      ['clf-small', 1, {}],
    ],
  );

  const exported = await json(['model', 'export', 'clf@production', 'deploy/model.onnx'], cwd);
  assert.equal(exported.body.result.dest, path.join(cwd, 'deploy', 'model.onnx'));
  assert.deepEqual(await fs.readFile(path.join(cwd, 'deploy', 'model.onnx')), await fs.readFile(path.join(cwd, 'base.onnx')));

  assert.equal((await runCli(['model', 'unalias', 'clf', 'production'], cwd)).stdout, 'removed production from clf (it pointed at v1)\n');
  const history = await json(['model', 'aliases', 'clf'], cwd);
  assert.deepEqual(
    history.body.result.history.map((m: { alias: string; version: number | null; previous: number | null }) => [m.alias, m.version, m.previous]),
    [
      ['production', 1, null],
      ['production', null, 1],
    ],
  );
  const gone = await json(['model', 'export', 'clf@production', 'x.onnx'], cwd);
  assert.deepEqual([gone.code, gone.body.error.code], [1, 'not-found']);
});
