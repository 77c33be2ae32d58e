import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { readMetrics, startRun } from '../../../src/core/runs';
import { runPaths } from '../../../src/core/runs/record';
import { PYTHON_DIR, readText, tempWorkspace } from './helpers';

const TRAIN = `
import lathe
p = lathe.params(lr=0.1, epochs=3, optimizer="sgd")
print("params", p["lr"], p["epochs"], p["optimizer"], lathe.run_id() is not None)
for epoch in range(p["epochs"]):
    lathe.log(loss=1.0 / (epoch + 1), acc=0.5 + epoch / 10)
lathe.log(step=10, loss=float("nan"))
print("prune" if lathe.should_prune() else "keep going")
`;

async function writeScript(root: string): Promise<string> {
  const file = path.join(root, 'train.py');
  await fs.writeFile(file, TRAIN);
  return file;
}

test('the Python helper reads params and logs a metric series into the run (NaN rejected with a warning)', async () => {
  const layout = await tempWorkspace();
  const script = await writeScript(layout.root);
  const handle = await startRun(layout, { command: ['python3', script], params: { lr: 0.01, epochs: 3 }, env: { PYTHONPATH: PYTHON_DIR } });
  const final = await handle.done;
  assert.equal(final.status, 'completed', await readText(runPaths(layout, handle.id).stderr));
  assert.equal(await readText(runPaths(layout, handle.id).stdout), 'params 0.01 3 sgd True\nkeep going\n');
  const metrics = await readMetrics(layout, handle.id);
  assert.deepEqual(metrics.series.loss.map((p) => [p.step, p.value]), [[0, 1], [1, 0.5], [2, 1 / 3]]);
  assert.deepEqual(metrics.series.acc.map((p) => [p.step, p.value]), [[0, 0.5], [1, 0.6], [2, 0.7]]);
  assert.ok(metrics.series.loss.every((p) => typeof p.time === 'number'));
  assert.deepEqual(metrics.invalid.loss, { count: 1, first: { step: 10, value: 'NaN' } });
  assert.deepEqual(final.summary, { loss: 1 / 3, acc: 0.7 });
  assert.ok(final.warnings?.some((w) => w.includes('metric "loss" had 1 value that is not a finite number')));
  assert.match(await readText(runPaths(layout, handle.id).stderr), /lathe: warning: loss not a finite number at step 10/);
});

test('outside Lathe the helper gives the defaults and writes nothing', async () => {
  const layout = await tempWorkspace();
  const script = await writeScript(layout.root);
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LATHE_')));
  const out = execFileSync('python3', [script], { cwd: layout.root, env: { ...env, PYTHONPATH: PYTHON_DIR } }).toString();
  assert.equal(out, 'params 0.1 3 sgd False\nkeep going\n');
  assert.deepEqual(await fs.readdir(layout.runs), []);
});

test('should_prune() sees the prune request file of the run', async () => {
  const layout = await tempWorkspace();
  const code = 'import lathe\nprint(lathe.should_prune())';
  const run = (dir: string) => execFileSync('python3', ['-c', code], { env: { ...process.env, PYTHONPATH: PYTHON_DIR, LATHE_RUN_DIR: dir } }).toString();
  assert.equal(run(layout.root), 'False\n');
  await fs.writeFile(path.join(layout.root, 'prune'), '');
  assert.equal(run(layout.root), 'True\n');
});

test('the helper refuses a metric that is not a number', () => {
  const code = 'import lathe\ntry:\n    lathe.log(loss="high")\nexcept TypeError as e:\n    print(e)';
  const out = execFileSync('python3', ['-c', code], { env: { ...process.env, PYTHONPATH: PYTHON_DIR } }).toString();
  assert.equal(out, "metric 'loss' must be a number, got 'high'\n");
});
