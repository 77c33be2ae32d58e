// The CLI's own surface: help for the whole tool and for a command group, usage errors with exit code 2.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli, tempWorkspace } from './runs/helpers';

test('`lathe model --help` lists the model commands only; `lathe --help` lists every group', async () => {
  const layout = await tempWorkspace();
  const group = await runCli(['model', '--help'], layout.root);
  assert.equal(group.code, 0);
  assert.match(group.stdout, /model register <file\.onnx>/);
  assert.doesNotMatch(group.stdout, /data add/);
  const all = await runCli(['--help'], layout.root);
  assert.equal(all.code, 0);
  for (const word of ['data add', 'model alias', 'runs compare', 'run [--name N]']) assert.ok(all.stdout.includes(word), word);
});

test('an unknown command is one line on stderr, or a JSON error with --json, and exit code 2', async () => {
  const layout = await tempWorkspace();
  const human = await runCli(['model', 'frobnicate'], layout.root);
  assert.equal(human.code, 2);
  assert.equal(human.stderr.trim().split('\n').length, 1);
  assert.match(human.stderr, /unknown command 'model frobnicate'/);
  const json = await runCli(['model', 'frobnicate', '--json'], layout.root);
  assert.equal(json.code, 2);
  assert.deepEqual(Object.keys(JSON.parse(json.stdout)), ['ok', 'error']);
  assert.equal(JSON.parse(json.stdout).error.code, 'usage');
});
