import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import type { DriftResult } from '../../../src/core/drift';
import { readMetrics, readRun } from '../../../src/core/runs';
import { registerBuiltinStages } from '../../../src/core/stages';
import { lathe, TSX } from '../data/helpers';
import { run, statuses, write } from '../pipeline/runner/fixture';
import { CLI, tempWorkspace } from '../runs/helpers';
import { writeWinePair } from './fixtures';

after(registerBuiltinStages({ command: [process.execPath, '--import', TSX, CLI] }));

test('uses: drift runs as a tracked run of the stage, writes its report, records drift metrics, and is cached', async () => {
  const layout = await tempWorkspace();
  await writeWinePair(path.join(layout.root, 'data'), 0.6);
  await write(layout, 'lathe.yaml', 'version: 1\nstages:\n  drift:\n    uses: drift\n    with: { reference: data/reference.csv, current: data/current.csv, test: auto, threshold: 0.05, output: reports/drift.json }\n');
  const first = await run(layout);
  assert.deepEqual(statuses(first), { drift: 'ran' }, JSON.stringify(first.stages));
  const report = JSON.parse(await fs.readFile(path.join(layout.root, 'reports/drift.json'), 'utf8')) as DriftResult;
  assert.deepEqual(report.drifted, ['alcohol']);
  const runId = first.stages[0].runId!;
  assert.deepEqual((await readRun(layout, runId)).tags, ['pipeline', 'stage:drift', 'drift']);
  const { series } = await readMetrics(layout, runId);
  assert.equal(series.drifted_columns[0].value, 1);
  assert.equal(series.max_statistic[0].value, Math.max(...report.columns.map((c) => c.statistic ?? 0)));
  assert.deepEqual(statuses(await run(layout)), { drift: 'up-to-date' });
});

test('lathe drift: a summary line and exit code 0 when drift is found, --json with the report, clear errors', async () => {
  const layout = await tempWorkspace();
  await writeWinePair(path.join(layout.root, 'data'), 0.6);
  const text = await lathe(layout.root, 'drift', 'data/reference.csv', 'data/current.csv', '--output', 'drift.json');
  assert.equal(text.status, 0, text.stderr);
  assert.equal(text.stdout.split('\n')[0], '1 of 14 columns drifted: alcohol');
  assert.match(text.stdout, /wrote .*drift\.json/);
  const json = await lathe(layout.root, 'drift', 'data/reference.csv', 'data/current.csv', '--test', 'psi', '--json');
  assert.equal(json.status, 0);
  assert.equal(json.json.result.test, 'psi');
  assert.ok(json.json.result.columns.every((c: { test: string }) => c.test === 'psi'));
  const missing = await lathe(layout.root, 'drift', 'data/reference.csv', 'data/none.csv', '--json');
  assert.equal(missing.status, 1);
  assert.equal(missing.json.error.code, 'not-found');
  const badTest = await lathe(layout.root, 'drift', 'data/reference.csv', 'data/current.csv', '--test', 't-test');
  assert.equal(badTest.status, 2);
  assert.match(badTest.stderr, /unknown test 't-test'/);
});
