import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { test } from 'node:test';
import { ExperimentsData, seriesData, seriesDelta, seriesXY } from '../../../src/core/charts';
import { columnsFileFor } from '../../../src/core/runs/metricsColumns';
import { runPaths } from '../../../src/core/runs/record';
import { DEFAULT_SERIES_OPTIONS } from '../../../src/shared/messages';
import { tempWorkspace } from '../runs/helpers';
import { metricLines, writeRun } from './fixtures';

const options = (o: Partial<typeof DEFAULT_SERIES_OPTIONS> = {}) => ({ ...DEFAULT_SERIES_OPTIONS, ...o });

test('snapshot: runs with stable colours, one series per run and metric within the point budget, a diff table', async () => {
  const layout = await tempWorkspace();
  await writeRun(layout, 'a', { params: { lr: 0.1, opt: 'adam' }, metricLines: metricLines(5000) });
  await writeRun(layout, 'b', { params: { lr: 0.01, opt: 'adam' }, metricLines: metricLines(50, 0, 2) });
  const snapshot = await new ExperimentsData(layout, ['b', 'a'], options({ maxPoints: 200 })).snapshot();
  assert.deepEqual(snapshot.runs.map((r) => r.id), ['b', 'a']);
  const again = await new ExperimentsData(layout, ['a'], options()).snapshot();
  assert.equal(again.runs[0].hue, snapshot.runs[1].hue, 'a run keeps its colour in another selection');
  assert.deepEqual(snapshot.metrics, ['acc', 'loss']);
  assert.equal(snapshot.series.length, 4);
  const aLoss = snapshot.series.find((s) => s.runId === 'a' && s.metric === 'loss')!;
  assert.ok(aLoss.x.length <= 200 && aLoss.x.length > 150);
  assert.equal(aLoss.x[0], 0);
  assert.equal(aLoss.x[aLoss.x.length - 1], 4999);
  assert.equal(snapshot.series.find((s) => s.runId === 'b' && s.metric === 'loss')!.x.length, 50);
  assert.deepEqual(snapshot.table.params, [
    { name: 'lr', values: [0.01, 0.1], differs: true },
    { name: 'opt', values: ['adam', 'adam'], differs: false },
  ]);
  const loss = snapshot.table.metrics.find((m) => m.name === 'loss')!;
  assert.equal(loss.goal, 'minimize');
  assert.equal(loss.bestRun, 1, 'run a trained longer: its best loss is lower');
  assert.equal(snapshot.loading, 0);
});

test('update: appended lines arrive as append deltas with exactly the new points; nothing changed is no update', async () => {
  const layout = await tempWorkspace();
  await writeRun(layout, 'live', { status: 'running', metricLines: metricLines(10) });
  const data = new ExperimentsData(layout, ['live'], options({ smoothing: 0.5 }));
  const first = await data.snapshot();
  assert.equal(await data.update(), undefined);
  await fs.appendFile(runPaths(layout, 'live').metrics, metricLines(3, 10).join('\n') + '\n');
  const update = await data.update();
  assert.ok(update);
  const loss = update.series.find((s) => s.metric === 'loss')!;
  assert.equal(loss.mode, 'append');
  assert.deepEqual(loss.x, [10, 11, 12]);
  // the appended points are smoothed as the continuation of the series, as a fresh snapshot would smooth them
  const fresh = (await new ExperimentsData(layout, ['live'], options({ smoothing: 0.5 })).snapshot()).series.find((s) => s.metric === 'loss')!;
  assert.deepEqual([...first.series.find((s) => s.metric === 'loss')!.y, ...loss.y], fresh.y);
});

test('update: a status change alone updates runs and table; a series past the budget is replaced, downsampled', async () => {
  const layout = await tempWorkspace();
  await writeRun(layout, 'r', { status: 'running', metricLines: metricLines(8) });
  const data = new ExperimentsData(layout, ['r'], options({ maxPoints: 10 }));
  await data.snapshot();
  await writeRun(layout, 'r', { status: 'completed', metricLines: metricLines(8) });
  const statusOnly = await data.update();
  assert.equal(statusOnly?.runs[0].status, 'completed');
  assert.deepEqual(statusOnly?.series, []);
  await fs.appendFile(runPaths(layout, 'r').metrics, metricLines(20, 8).join('\n') + '\n');
  const replaced = (await data.update())!.series.find((s) => s.metric === 'loss')!;
  assert.equal(replaced.mode, 'replace');
  assert.ok(replaced.x.length <= 10);
  assert.equal(replaced.x[replaced.x.length - 1], 27);
});

test('a deleted or corrupt run is a warning, not a failure; invalid values are reported by run name', async () => {
  const layout = await tempWorkspace();
  await writeRun(layout, 'ok', { metricLines: ['{"step":0,"loss":1}', '{"step":1,"loss":NaN}'] });
  await writeRun(layout, 'broken');
  await fs.writeFile(runPaths(layout, 'broken').record, '{"schema": 1');
  const snapshot = await new ExperimentsData(layout, ['ok', 'gone', 'broken'], options()).snapshot();
  assert.deepEqual(snapshot.runs.map((r) => r.id), ['ok']);
  assert.equal(snapshot.warnings.length, 3, snapshot.warnings.join('\n'));
  assert.ok(snapshot.warnings.some((w) => /gone/.test(w)));
  assert.ok(snapshot.warnings.some((w) => /broken/.test(w) && /run\.json/.test(w)));
  assert.ok(snapshot.warnings.some((w) => /^run-ok: metric "loss" had 1 value/.test(w)));
});

test('a time budget sends the first runs at once and leaves the others to the next update', async () => {
  const layout = await tempWorkspace();
  for (const id of ['a', 'b', 'c']) await writeRun(layout, id, { metricLines: metricLines(5) });
  const data = new ExperimentsData(layout, ['a', 'b', 'c'], options());
  const partial = await data.snapshot(0);
  assert.equal(partial.runs.length, 0);
  assert.equal(partial.loading, 3);
  const rest = (await data.update())!;
  assert.equal(rest.loading, 0);
  assert.deepEqual(rest.runs.map((r) => r.id), ['a', 'b', 'c']);
  assert.ok(rest.series.every((s) => s.mode === 'replace' && s.x.length === 5));
});

test('csv: every point of one metric at full resolution, unsmoothed, in the panel run order', async () => {
  const layout = await tempWorkspace();
  await writeRun(layout, 'x', { metricLines: ['{"step":0,"ts":0,"loss":1.5}', '{"step":1,"loss":1}'] });
  await writeRun(layout, 'y', { metricLines: ['{"step":0,"loss":2,"acc":0.5}'] });
  const csv = await new ExperimentsData(layout, ['y', 'x'], options({ smoothing: 0.9, maxPoints: 3 })).csv('loss');
  assert.equal(csv, 'run,run_id,step,time,value\r\nrun-y,y,0,,2\r\nrun-x,x,0,1970-01-01T00:00:00.000Z,1.5\r\nrun-x,x,1,,1\r\n');
});

test('seriesXY: the time axis is seconds since the first timed point and skips untimed points', () => {
  const c = { step: [0, 1, 2, 3], value: [4, 3, 2, 1], time: [NaN, 10_000, 12_500, 20_000] };
  assert.deepEqual(seriesXY(c, { xAxis: 'time', smoothing: 0 }), { x: [0, 2.5, 10], y: [3, 2, 1] });
  assert.deepEqual(seriesXY(c, { xAxis: 'step', smoothing: 0 }), { x: [0, 1, 2, 3], y: [4, 3, 2, 1] });
});

test('seriesDelta: nothing new is no delta; a shorter series (rewritten file) is replaced', () => {
  const c = { step: [0, 1, 2], value: [1, 2, 3], time: [NaN, NaN, NaN] };
  const o = options();
  assert.equal(seriesDelta('r', 'm', c, o, { full: 3, plotted: 3 }).delta, undefined);
  const shrunk = seriesDelta('r', 'm', c, o, { full: 5, plotted: 5 });
  assert.equal(shrunk.delta?.mode, 'replace');
  assert.deepEqual(shrunk.sent, { full: 3, plotted: 3 });
});

test('plotted values keep nine significant digits (finer than any pixel or tooltip, half the JSON); CSV keeps them all', async () => {
  const c = { step: [0, 1, 2], value: [0.12345678912345, 1234.5678912345, -2e-7 / 3], time: [NaN, NaN, NaN] };
  const { data } = seriesData('r', 'loss', c, options());
  assert.deepEqual(data.y, [0.123456789, 1234.56789, -6.66666667e-8]);
  const appended = seriesDelta('r', 'loss', { step: [...c.step, 3], value: [...c.value, 1 / 3], time: [NaN, NaN, NaN, NaN] }, options(), { full: 3, plotted: 3 });
  assert.deepEqual(appended.delta?.y, [0.333333333]);
  const layout = await tempWorkspace();
  await writeRun(layout, 'x', { metricLines: ['{"step":0,"loss":0.12345678912345}'] });
  assert.match(await new ExperimentsData(layout, ['x'], options()).csv('loss'), /,0\.12345678912345\r\n$/);
});

test('a snapshot keeps the points it was built with while the run appends more', async () => {
  const layout = await tempWorkspace();
  await writeRun(layout, 'live', { status: 'running', metricLines: metricLines(3) });
  const data = new ExperimentsData(layout, ['live'], options());
  const snapshot = await data.snapshot();
  await fs.appendFile(runPaths(layout, 'live').metrics, metricLines(2, 3).join('\n') + '\n');
  assert.equal((await data.update())?.series[0].x.length, 2);
  assert.deepEqual(snapshot.series.map((s) => s.x), [[0, 1, 2], [0, 1, 2]]);
});

test('prefetch reads the runs ahead (columns files written) and changes nothing in the snapshot', async () => {
  const layout = await tempWorkspace();
  await writeRun(layout, 'a', { metricLines: metricLines(300) });
  await writeRun(layout, 'b', { metricLines: metricLines(30, 0, 2) });
  const plain = await new ExperimentsData(layout, ['a', 'b'], options({ maxPoints: 50 })).snapshot();
  for (const id of ['a', 'b']) await fs.rm(columnsFileFor(runPaths(layout, id).metrics));
  const data = new ExperimentsData(layout, ['a', 'b'], options({ maxPoints: 50 }));
  await data.prefetch();
  for (const id of ['a', 'b']) await fs.stat(columnsFileFor(runPaths(layout, id).metrics));
  assert.deepEqual(await data.snapshot(), plain);
});

test('prefetch with the expected plot width prepares the snapshot; it is used only when it still fits', async () => {
  const layout = await tempWorkspace();
  await writeRun(layout, 'a', { status: 'running', metricLines: metricLines(300) });
  await writeRun(layout, 'b', { metricLines: metricLines(30, 0, 2) });
  const plain = async (maxPoints: number, ids = ['a', 'b']) => new ExperimentsData(layout, ids, options({ maxPoints })).snapshot();
  const prepared = async (expected: number, asked: number, ids = ['a', 'b']) => {
    const data = new ExperimentsData(layout, ['a', 'b'], options());
    await data.prefetch(expected);
    data.runIds = ids;
    data.options.maxPoints = asked;
    return { data, snapshot: await data.snapshot() };
  };
  // within 25% below the width asked for: the prepared snapshot, at its own width
  const reused = await prepared(50, 60);
  assert.deepEqual(reused.snapshot, await plain(50));
  assert.equal(reused.data.options.maxPoints, 50, 'later updates downsample to the width the webview got');
  // more points than the plot has pixels, too few, other runs: built again as asked
  assert.deepEqual((await prepared(80, 60)).snapshot, await plain(60));
  assert.deepEqual((await prepared(40, 60)).snapshot, await plain(60));
  assert.deepEqual((await prepared(50, 50, ['b'])).snapshot, await plain(50, ['b']));
  // what the webview holds is known: an update after a prepared snapshot sends only the appended points
  await fs.appendFile(runPaths(layout, 'a').metrics, metricLines(2, 300).join('\n') + '\n');
  const update = await reused.data.update();
  assert.ok(update && update.series.length === 2 && update.series.every((s) => s.runId === 'a'));
  // a prepared snapshot is used once: the next snapshot is fresh
  assert.deepEqual(await reused.data.snapshot(), await plain(50));
});
