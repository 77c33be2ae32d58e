// `lathe pipeline validate|dag|run` through the real CLI process.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { runCli } from '../../runs/helpers';
import { NODE, pipelineWorkspace } from './fixture';

const GOOD = `version: 1
stages:
  make:
    cmd: ${NODE} -e "require('fs').writeFileSync('a.txt', 'a')"
    outs: [a.txt]
  use:
    cmd: ${NODE} -e "console.log('hello from use'); require('fs').writeFileSync('b.txt', 'b')"
    deps: [a.txt]
    outs: [b.txt]
`;

test('validate prints file:line:col diagnostics and exits 1 on errors, 0 when clean', async () => {
  const layout = await pipelineWorkspace(`version: 1
stages:
  a:
    cmd: echo
    needs: [b]
`);
  const bad = await runCli(['pipeline', 'validate'], layout.root);
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, new RegExp(`^${path.join(layout.root, 'lathe.yaml').replace(/\./g, '\\.')}:5:13: error unknown-stage: stage 'a' needs unknown stage 'b'`, 'm'));
  const json = JSON.parse((await runCli(['pipeline', 'validate', '--json'], layout.root)).stdout);
  assert.equal(json.result.errors, 1);
  assert.deepEqual({ ...json.result.diagnostics[0], text: undefined }, { line: 5, column: 13, endLine: 5, endColumn: 14, severity: 'error', code: 'unknown-stage', message: "stage 'a' needs unknown stage 'b'", text: undefined });
  await fs.writeFile(path.join(layout.root, 'other.yaml'), GOOD);
  const good = await runCli(['pipeline', 'validate', 'other.yaml'], layout.root);
  assert.equal(good.code, 0, good.stderr);
  const missing = await runCli(['pipeline', 'validate', 'nope.yaml'], layout.root);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^lathe: pipeline file not found: .*nope\.yaml/);
});

test('dag lists stages in order with their needs and writes an SVG', async () => {
  const layout = await pipelineWorkspace(GOOD);
  const text = await runCli(['pipeline', 'dag', '--svg', 'dag.svg'], layout.root);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^make\nuse  <- make\nwrote .*dag\.svg$/m);
  assert.match(await fs.readFile(path.join(layout.root, 'dag.svg'), 'utf8'), /<svg [^]*data-stage="use"/);
  const json = JSON.parse((await runCli(['pipeline', 'dag', '--json'], layout.root)).stdout);
  assert.deepEqual(json.result.edges, [{ from: 'make', to: 'use', kind: 'path' }]);
  assert.deepEqual(json.result.stages.map((s: { name: string }) => s.name), ['make', 'use']);
});

test('run prints each stage\'s status and run id, streams stage output to stderr, and skips on the second run', async () => {
  const layout = await pipelineWorkspace(GOOD);
  const dry = await runCli(['pipeline', 'run', '--dry-run'], layout.root);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /^make\s+would run \(never run\)$/m);
  const first = await runCli(['pipeline', 'run', '--jobs', '2'], layout.root);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /^make\s+ran \(never run\)\s+run \S+$/m);
  assert.match(first.stderr, /\[use\] hello from use/);
  const second = JSON.parse((await runCli(['pipeline', 'run', '--json'], layout.root)).stdout);
  assert.deepEqual(second.result.stages.map((s: { status: string }) => s.status), ['up-to-date', 'up-to-date']);
  const unknown = await runCli(['pipeline', 'run', 'mkae'], layout.root);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /no stage 'mkae'.*did you mean 'make'/);
  const badJobs = await runCli(['pipeline', 'run', '--jobs', 'two'], layout.root);
  assert.equal(badJobs.code, 2);
  assert.match(badJobs.stderr, /--jobs must be a whole number ≥ 1, got 'two'/);
});

test('run exits 1 when a stage fails and refuses an invalid pipeline with one line', async () => {
  const layout = await pipelineWorkspace(`version: 1
stages:
  bad:
    cmd: ${NODE} -e "process.exit(4)"
`);
  const failed = await runCli(['pipeline', 'run'], layout.root);
  assert.equal(failed.code, 1);
  assert.match(failed.stdout, /^bad\s+FAILED: the command exited with code 4\s+run \S+$/m);
  await fs.writeFile(path.join(layout.root, 'lathe.yaml'), 'version: 1\nstages:\n  a: { cmd: x, needs: [a] }\n');
  const invalid = await runCli(['pipeline', 'run', '--json'], layout.root);
  assert.equal(invalid.code, 1);
  const error = JSON.parse(invalid.stdout).error;
  assert.equal(error.code, 'invalid-pipeline');
  assert.match(error.message, /lathe\.yaml:3:\d+: error self-need/);
});
