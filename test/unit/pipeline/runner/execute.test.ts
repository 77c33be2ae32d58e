// The executor: parallel stages, failures that stop only their dependents, missing outs, built-in stages, refusal.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { registerBuiltinStage } from '../../../../src/core/pipeline/runner';
import { readRun, startRun } from '../../../../src/core/runs';
import { isLatheError } from '../../../../src/core/workspace/errors';
import { NODE, pipelineWorkspace, read, readLockFile, run, statuses } from './fixture';

/** Writes `<name>.start`, waits (at most 20 s) until `<other>.start` exists, then writes `<name>.json` with both times. */
const MEET_JS = `const fs = require('fs');
const [name, other] = process.argv.slice(2);
const start = Date.now();
fs.writeFileSync(name + '.start', String(start));
const deadline = start + 20000;
const wait = () => {
  if (fs.existsSync(other + '.start')) return fs.writeFileSync(name + '.json', JSON.stringify({ start, end: Date.now() }));
  if (Date.now() > deadline) { console.error('never met ' + other); process.exit(1); }
  setTimeout(wait, 10);
};
wait();
`;

/** Writes `<name>.json` with its start and end times, 150 ms apart. */
const SPAN_JS = `const fs = require('fs');
const name = process.argv[2];
const start = Date.now();
setTimeout(() => fs.writeFileSync(name + '.json', JSON.stringify({ start, end: Date.now() })), 150);
`;

test('independent stages run at the same time: each one waits until the other has started', { timeout: 30_000 }, async () => {
  const layout = await pipelineWorkspace(
    `version: 1
stages:
  left:
    cmd: ${NODE} meet.js left right
    outs: [left.json]
  right:
    cmd: ${NODE} meet.js right left
    outs: [right.json]
`,
    { 'meet.js': MEET_JS },
  );
  const result = await run(layout, { jobs: 2 });
  assert.deepEqual(statuses(result), { left: 'ran', right: 'ran' });
  const left = JSON.parse(await read(layout, 'left.json'));
  const right = JSON.parse(await read(layout, 'right.json'));
  assert.ok(left.start < right.end && right.start < left.end, 'the two stages were running at the same time');
});

test('--jobs 1 runs one stage at a time: the stages\' own time spans do not overlap', async () => {
  const layout = await pipelineWorkspace(
    `version: 1
stages:
  a: { cmd: ${NODE} span.js a, outs: [a.json] }
  b: { cmd: ${NODE} span.js b, outs: [b.json] }
  c: { cmd: ${NODE} span.js c, outs: [c.json] }
`,
    { 'span.js': SPAN_JS },
  );
  assert.deepEqual(statuses(await run(layout, { jobs: 1 })), { a: 'ran', b: 'ran', c: 'ran' });
  const spans = await Promise.all(['a', 'b', 'c'].map(async (s) => JSON.parse(await read(layout, `${s}.json`)) as { start: number; end: number }));
  spans.sort((x, y) => x.start - y.start);
  for (let i = 1; i < spans.length; i++) assert.ok(spans[i - 1].end <= spans[i].start, `stage ${i} started before stage ${i - 1} ended`);
  await assert.rejects(run(layout, { jobs: 0 }), (e) => isLatheError(e) && e.code === 'usage');
});

test('a failed stage stops its dependents; an independent branch completes and is recorded in the lock', async () => {
  const layout = await pipelineWorkspace(
    `version: 1
stages:
  broken:
    cmd: ${NODE} -e "process.exit(3)"
    outs: [broken.txt]
  after-broken:
    cmd: ${NODE} -e "require('fs').writeFileSync('after.txt', 'x')"
    deps: [broken.txt]
    outs: [after.txt]
  last:
    cmd: ${NODE} -e "0"
    needs: [after-broken]
  fine:
    cmd: ${NODE} -e "require('fs').writeFileSync('fine.txt', 'x')"
    outs: [fine.txt]
  after-fine:
    cmd: ${NODE} -e "require('fs').writeFileSync('fine2.txt', require('fs').readFileSync('fine.txt'))"
    deps: [fine.txt]
    outs: [fine2.txt]
`,
  );
  const result = await run(layout);
  assert.deepEqual(statuses(result), { 'broken': 'failed', 'fine': 'ran', 'after-broken': 'upstream-failed', 'after-fine': 'ran', 'last': 'upstream-failed' });
  assert.equal(result.ok, false);
  const broken = result.stages.find((s) => s.stage === 'broken')!;
  assert.match(broken.reason, /exited with code 3/);
  assert.equal((await readRun(layout, broken.runId!)).status, 'failed');
  assert.match(result.stages.find((s) => s.stage === 'after-broken')!.reason, /upstream stage 'broken' did not succeed/);
  assert.match(result.stages.find((s) => s.stage === 'last')!.reason, /upstream stage 'after-broken' did not succeed/);
  await assert.rejects(fs.stat(path.join(layout.root, 'after.txt')), { code: 'ENOENT' });
  assert.deepEqual(Object.keys((await readLockFile(layout)).stages).sort(), ['after-fine', 'fine']);
});

test('a stage that succeeds without writing a declared out fails with a message naming the out', async () => {
  const layout = await pipelineWorkspace(`version: 1
stages:
  lazy:
    cmd: ${NODE} -e "0"
    outs: [model.onnx]
`);
  const result = await run(layout);
  assert.deepEqual(statuses(result), { lazy: 'failed' });
  assert.match(result.stages[0].reason, /succeeded but did not write its declared out 'model.onnx'/);
  await assert.rejects(fs.stat(path.join(layout.root, 'lathe.lock')), { code: 'ENOENT' });
});

test('a missing dep and a command that does not exist fail the stage clearly, without a shell', async () => {
  const layout = await pipelineWorkspace(`version: 1
params: { evil: "x; touch pwned" }
stages:
  reads:
    cmd: ${NODE} -e "0"
    deps: [nothing-here.csv]
  typo:
    cmd: nodee-not-a-program --version
  quoted:
    cmd: ${NODE} -e "require('fs').writeFileSync('arg.txt', process.argv[1])" \${{ params.evil }}
    outs: [arg.txt]
`);
  const result = await run(layout);
  assert.match(result.stages.find((s) => s.stage === 'reads')!.reason, /dep 'nothing-here.csv' does not exist/);
  assert.match(result.stages.find((s) => s.stage === 'typo')!.reason, /command not found: nodee-not-a-program/);
  assert.equal(await read(layout, 'arg.txt'), 'x; touch pwned');
  await assert.rejects(fs.stat(path.join(layout.root, 'pwned')), { code: 'ENOENT' });
});

test('a built-in stage without a handler fails as not available yet; a registered handler runs it as a tracked run', async () => {
  const yaml = `version: 1
stages:
  make:
    cmd: ${NODE} -e "require('fs').writeFileSync('m.onnx', 'model')"
    outs: [m.onnx]
  shrink:
    uses: quantize
    with: { model: m.onnx, method: fp16, output: m.fp16.onnx }
  use:
    cmd: ${NODE} -e "0"
    deps: [m.fp16.onnx]
`;
  const layout = await pipelineWorkspace(yaml);
  const missing = await run(layout);
  assert.deepEqual(statuses(missing), { make: 'ran', shrink: 'failed', use: 'upstream-failed' });
  assert.match(missing.stages[1].reason, /built-in stage 'quantize' is not available yet/);

  const seen: Record<string, unknown>[] = [];
  const unregister = registerBuiltinStage('quantize', async (ctx, opts) => {
    seen.push(ctx.stage.with);
    const copy = `require('fs').copyFileSync(${JSON.stringify(ctx.stage.with.model)}, ${JSON.stringify(ctx.stage.with.output)})`;
    return startRun(ctx.layout, { command: [process.execPath, '-e', copy], name: ctx.stage.name, cwd: ctx.dir }, opts);
  });
  try {
    const ran = await run(layout);
    assert.deepEqual(statuses(ran), { make: 'up-to-date', shrink: 'ran', use: 'ran' });
    assert.deepEqual(seen, [{ model: 'm.onnx', method: 'fp16', output: 'm.fp16.onnx' }]);
    assert.equal(await read(layout, 'm.fp16.onnx'), 'model');
    assert.deepEqual(statuses(await run(layout)), { make: 'up-to-date', shrink: 'up-to-date', use: 'up-to-date' });
  } finally {
    unregister();
  }
});

test('an invalid pipeline refuses to run and names the first error at file:line:col', async () => {
  const layout = await pipelineWorkspace(`version: 1
stages:
  a:
    cmd: ${NODE} -e "require('fs').writeFileSync('ran.txt', 'x')"
    needs: [nope]
`);
  await assert.rejects(run(layout), (e) => {
    assert.ok(isLatheError(e));
    assert.equal(e.code, 'invalid-pipeline');
    assert.match(e.message, new RegExp(`${path.join(layout.root, 'lathe.yaml').replace(/[.]/g, '\\.')}:5:13: error unknown-stage`));
    return true;
  });
  await assert.rejects(fs.stat(path.join(layout.root, 'ran.txt')), { code: 'ENOENT' });
  assert.deepEqual(await fs.readdir(layout.runs), []);
});
