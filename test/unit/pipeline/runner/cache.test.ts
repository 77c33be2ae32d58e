// What runs and what is skipped: lathe.lock records command, used params and dep/out hashes of each successful stage.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { isLatheError } from '../../../../src/core/workspace/errors';
import type { StoreLayout } from '../../../../src/core/workspace/layout';
import { NODE, pipelineWorkspace, ranLog, read, readLockFile, run, sha256, statuses, write } from './fixture';

/** Each stage appends its name to ran.log (the processes' own account of what ran) and writes dst from src. */
const STAGE_JS = `const fs = require('fs');
const [name, src, dst, extra = ''] = process.argv.slice(2);
fs.appendFileSync('ran.log', name + '\\n');
fs.writeFileSync(dst, fs.readFileSync(src, 'utf8') + name + extra + '\\n');
`;

const PIPELINE = `version: 1
params: { factor: 2, unused: 1 }
stages:
  prep:
    cmd: ${NODE} stage.js prep raw.txt prep.txt
    deps: [stage.js, raw.txt]
    outs: [prep.txt]
  train:
    cmd: ${NODE} stage.js train prep.txt model.txt "x \${{ params.factor }}"
    deps: [stage.js, prep.txt]
    outs: [model.txt]
  report:
    cmd: ${NODE} stage.js report model.txt report.txt
    deps: [stage.js, model.txt]
    outs: [report.txt]
  other:
    cmd: ${NODE} stage.js other other-in.txt other.txt
    deps: [stage.js, other-in.txt]
    outs: [other.txt]
`;

async function workspace(): Promise<StoreLayout> {
  return pipelineWorkspace(PIPELINE, { 'stage.js': STAGE_JS, 'raw.txt': 'raw\n', 'other-in.txt': 'other\n' });
}

test('the first run runs every stage and records hashes in lathe.lock; the second skips every stage', async () => {
  const layout = await workspace();
  const ran = ranLog(layout);
  const first = await run(layout);
  assert.deepEqual(statuses(first), { prep: 'ran', other: 'ran', train: 'ran', report: 'ran' });
  assert.equal(first.ok, true);
  assert.deepEqual(await ran(), ['other', 'prep', 'report', 'train']);
  assert.equal(await read(layout, 'model.txt'), 'raw\nprep\ntrainx 2\n', 'the param is substituted inside its quoted word');
  const lock = await readLockFile(layout);
  assert.deepEqual(Object.keys(lock.stages).sort(), ['other', 'prep', 'report', 'train']);
  assert.equal(lock.stages.prep.deps['raw.txt'], sha256('raw\n'));
  assert.equal(lock.stages.train.outs['model.txt'], sha256('raw\nprep\ntrainx 2\n'));
  assert.deepEqual(lock.stages.train.params, { factor: 2 });
  assert.deepEqual(lock.stages.train.cmd?.slice(-1), ['x 2']);
  assert.equal(lock.stages.train.runId, first.stages.find((s) => s.stage === 'train')?.runId);

  const second = await run(layout);
  assert.deepEqual(statuses(second), { prep: 'up-to-date', other: 'up-to-date', train: 'up-to-date', report: 'up-to-date' });
  assert.deepEqual(await ran(), []);
});

test('editing a dep reruns that stage and its dependents only; rewriting identical content reruns nothing', async () => {
  const layout = await workspace();
  const ran = ranLog(layout);
  await run(layout);
  await ran();
  await write(layout, 'raw.txt', 'raw, edited\n');
  await write(layout, 'other-in.txt', 'other\n');
  const result = await run(layout);
  assert.deepEqual(statuses(result), { prep: 'ran', other: 'up-to-date', train: 'ran', report: 'ran' });
  assert.match(result.stages.find((s) => s.stage === 'prep')!.reason, /dep 'raw.txt' changed/);
  assert.deepEqual(await ran(), ['prep', 'report', 'train']);
  assert.equal(await read(layout, 'report.txt'), 'raw, edited\nprep\ntrainx 2\nreport\n');
});

test('changing a param the stage uses reruns it (and what reads its outputs); changing an unused param reruns nothing', async () => {
  const layout = await workspace();
  const ran = ranLog(layout);
  await run(layout);
  await ran();
  await write(layout, 'lathe.yaml', PIPELINE.replace('unused: 1', 'unused: 5'));
  assert.deepEqual(statuses(await run(layout)), { prep: 'up-to-date', other: 'up-to-date', train: 'up-to-date', report: 'up-to-date' });
  await write(layout, 'lathe.yaml', PIPELINE.replace('factor: 2', 'factor: 3'));
  const result = await run(layout);
  assert.deepEqual(statuses(result), { prep: 'up-to-date', other: 'up-to-date', train: 'ran', report: 'ran' });
  assert.match(result.stages.find((s) => s.stage === 'train')!.reason, /param 'factor' changed \(2 → 3\)/);
  assert.deepEqual(await ran(), ['report', 'train']);
});

test('a changed command, a deleted or modified out rerun the stage', async () => {
  const layout = await workspace();
  const ran = ranLog(layout);
  await run(layout);
  await ran();
  await fs.rm(path.join(layout.root, 'other.txt'));
  await write(layout, 'prep.txt', 'tampered\n');
  const result = await run(layout);
  assert.match(result.stages.find((s) => s.stage === 'other')!.reason, /out 'other.txt' is missing/);
  assert.match(result.stages.find((s) => s.stage === 'prep')!.reason, /out 'prep.txt' was modified/);
  assert.deepEqual(await ran(), ['other', 'prep'], 'prep rewrote identical output: train stays up to date');
  await write(layout, 'lathe.yaml', PIPELINE.replace('stage.js other other-in.txt', 'stage.js other2 other-in.txt'));
  const changed = await run(layout);
  assert.match(changed.stages.find((s) => s.stage === 'other')!.reason, /its command changed/);
  assert.deepEqual(await ran(), ['other2']);
});

test('--force reruns the selected stages; targets bring only themselves and their upstream up to date', async () => {
  const layout = await workspace();
  const ran = ranLog(layout);
  const partial = await run(layout, { targets: ['train'] });
  assert.deepEqual(statuses(partial), { prep: 'ran', train: 'ran' });
  assert.deepEqual(await ran(), ['prep', 'train']);
  const forced = await run(layout, { targets: ['train'], force: true });
  assert.deepEqual(statuses(forced), { prep: 'ran', train: 'ran' });
  assert.equal(forced.stages[0].reason, 'forced');
  assert.deepEqual(await ran(), ['prep', 'train']);
  await run(layout);
  assert.deepEqual(await ran(), ['other', 'report'], 'the partial runs were recorded in the lock');
});

test('--dry-run reports the plan and why, runs nothing and writes nothing', async () => {
  const layout = await workspace();
  const ran = ranLog(layout);
  const fresh = await run(layout, { dryRun: true });
  assert.equal(fresh.dryRun, true);
  assert.deepEqual(statuses(fresh), { prep: 'would-run', other: 'would-run', train: 'would-run', report: 'would-run' });
  assert.deepEqual(await ran(), []);
  await assert.rejects(fs.stat(path.join(layout.root, 'lathe.lock')), { code: 'ENOENT' });
  assert.deepEqual(await fs.readdir(layout.runs), []);

  await run(layout);
  await ran();
  const lockBefore = await read(layout, 'lathe.lock');
  await write(layout, 'raw.txt', 'changed\n');
  const plan = await run(layout, { dryRun: true });
  assert.deepEqual(
    plan.stages.map((s) => [s.stage, s.status, s.reason]),
    [
      ['prep', 'would-run', "dep 'raw.txt' changed"],
      ['other', 'up-to-date', 'up to date'],
      ['train', 'would-run', "upstream stage 'prep' will run"],
      ['report', 'would-run', "upstream stage 'train' will run"],
    ],
  );
  assert.deepEqual(await ran(), []);
  assert.equal(await read(layout, 'lathe.lock'), lockBefore);
});

test('a folder dep is hashed by its files: adding a file reruns the stage', async () => {
  const layout = await pipelineWorkspace(
    `version: 1
stages:
  count:
    cmd: ${NODE} -e "require('fs').writeFileSync('count.txt', String(require('fs').readdirSync('data').length))"
    deps: [data]
    outs: [count.txt]
`,
    { 'data/a.txt': 'a', 'data/sub/b.txt': 'b' },
  );
  assert.deepEqual(statuses(await run(layout)), { count: 'ran' });
  assert.deepEqual(statuses(await run(layout)), { count: 'up-to-date' });
  await write(layout, 'data/sub/c.txt', 'c');
  assert.deepEqual(statuses(await run(layout)), { count: 'ran' });
});

test('an unknown target is a usage error that suggests the closest stage; a corrupt lock file is named', async () => {
  const layout = await workspace();
  await assert.rejects(run(layout, { targets: ['trian'] }), (e) => isLatheError(e) && e.code === 'usage' && /no stage 'trian'/.test(e.message) && /did you mean 'train'/.test(e.hint ?? ''));
  await write(layout, 'lathe.lock', '{ not json');
  await assert.rejects(run(layout), (e) => isLatheError(e) && e.code === 'corrupt-record' && e.message.includes(path.join(layout.root, 'lathe.lock')));
});
