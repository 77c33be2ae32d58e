import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { ExperimentsData } from '../../../src/core/charts';
import { MetricsCache } from '../../../src/core/runs/metricsCache';
import { columnsFileFor, decodeColumns, encodeColumns, type RunMetrics } from '../../../src/core/runs/metricsColumns';
import { runPaths } from '../../../src/core/runs/record';
import { DEFAULT_SERIES_OPTIONS } from '../../../src/shared/messages';
import { metricLines, writeRun } from '../charts/fixtures';
import { tempWorkspace } from './helpers';

const LINES = '{"step":0,"ts":5,"loss":2,"acc":0.5}\n{"step":1,"loss":1,"acc":"x"}\nnot json\n{"loss":0.5}\n';

async function metricsFile(text = LINES): Promise<string> {
  const layout = await tempWorkspace();
  const file = path.join(layout.runs, 'metrics.jsonl');
  await fs.writeFile(file, text);
  return file;
}

const sourceOf = async (file: string) => {
  const { size, mtimeMs } = await fs.stat(file);
  return { size, mtimeMs };
};

test('MetricsCache parses only appended bytes, keeps line-index steps, re-reads a replaced or shrunk file', async () => {
  const file = path.join((await tempWorkspace()).runs, 'm.jsonl');
  const cache = new MetricsCache();
  assert.deepEqual((await cache.read(file)).series, {});
  await fs.writeFile(file, '{"loss":3}\n\n{"step":7,"loss":2}\n{"loss":');
  let m = await cache.read(file);
  assert.deepEqual(m.series.loss.step, [0, 7], 'a torn last line is not used until complete');
  await fs.appendFile(file, '1}\n{"loss":0.5}\n');
  m = await cache.read(file);
  assert.deepEqual(m.series.loss.step, [0, 7, 3, 4], 'steps of step-less lines are their line index in the whole file');
  assert.deepEqual(m.series.loss.value, [3, 2, 1, 0.5]);
  await fs.writeFile(file, '{"step":1,"acc":1}\n');
  m = await cache.read(file);
  assert.deepEqual(Object.keys(m.series), ['acc']);
  await fs.appendFile(file, '{"step":2,"acc":0.9}');
  assert.deepEqual((await cache.read(file)).series.acc.value, [1, 0.9], 'a last line without newline is shown when it parses');
});

test('columns round trip: untimed and timed series, NaN times, warnings counts, source lines', () => {
  const metrics: RunMetrics = {
    series: { loss: { step: [0, 1, 3], value: [2, 1, 0.5], time: [5, NaN, NaN] }, acc: { step: [0], value: [0.5], time: [NaN] } },
    skippedLines: 1,
    invalid: { acc: { count: 1, first: { step: 1, value: 'x' } } },
  };
  const source = { size: 10, mtimeMs: 1234.5, lines: 4 };
  const decoded = decodeColumns(encodeColumns(metrics, source), source);
  assert.deepEqual(decoded, { metrics, lines: 4 });
  assert.equal(decodeColumns(encodeColumns(metrics, source), { size: 11, mtimeMs: 1234.5 }), undefined, 'another size is stale');
  assert.equal(decodeColumns(encodeColumns(metrics, source), { size: 10, mtimeMs: 1 }), undefined, 'another mtime is stale');
});

test('a finished run is parsed once: its columns file is written and read instead of metrics.jsonl', async () => {
  const file = await metricsFile();
  const first = await new MetricsCache().read(file, true);
  assert.deepEqual(first.series.loss, { step: [0, 1, 3], value: [2, 1, 0.5], time: [5, NaN, NaN] });
  assert.equal(first.skippedLines, 1);
  const written = decodeColumns(await fs.readFile(columnsFileFor(file)), await sourceOf(file));
  assert.deepEqual(written, { metrics: first, lines: 4 });
  // a columns file with other values but the same source proves a new reader takes the file, not the JSON lines
  const marked: RunMetrics = { ...first, series: { loss: { step: [0], value: [42], time: [NaN] } } };
  await fs.writeFile(columnsFileFor(file), encodeColumns(marked, { ...(await sourceOf(file)), lines: 4 }));
  assert.deepEqual((await new MetricsCache().read(file, true)).series.loss.value, [42]);
});

test('a running run writes no columns file; a torn last line of a finished run is not stored', async () => {
  const file = await metricsFile();
  await new MetricsCache().read(file, false);
  await assert.rejects(fs.stat(columnsFileFor(file)), { code: 'ENOENT' });
  await fs.appendFile(file, '{"step":9,"loss":');
  assert.deepEqual((await new MetricsCache().read(file, true)).series.loss.step, [0, 1, 3]);
  await assert.rejects(fs.stat(columnsFileFor(file)), { code: 'ENOENT' });
});

test('a stale columns file (metrics.jsonl grew) is ignored and rebuilt; line-index steps continue', async () => {
  const file = await metricsFile();
  await new MetricsCache().read(file, true);
  await fs.appendFile(file, '{"loss":0.25}\n');
  const read = await new MetricsCache().read(file, true);
  assert.deepEqual(read.series.loss.step, [0, 1, 3, 4]);
  assert.deepEqual(decodeColumns(await fs.readFile(columnsFileFor(file)), await sourceOf(file))?.metrics.series.loss.value, [2, 1, 0.5, 0.25]);
});

test('a corrupt columns file (truncated, garbage, bad header) is ignored and rebuilt', async () => {
  const file = await metricsFile();
  const expected = await new MetricsCache().read(file, true);
  const good = await fs.readFile(columnsFileFor(file));
  const headerEnd = good.indexOf('}]}') + 3;
  const corruptions = [
    good.subarray(0, good.length - 8),
    Buffer.concat([good, Buffer.alloc(8)]),
    Buffer.from('garbage'),
    Buffer.alloc(0),
    Buffer.concat([good.subarray(0, 20), Buffer.from('{not json'), good.subarray(29)]),
    Buffer.from(good.toString('latin1').replace('"count":3', '"count":9'), 'latin1'),
    Buffer.from(good.toString('latin1', 0, headerEnd).replace('"name":"loss"', '"name":null0') + good.toString('latin1', headerEnd), 'latin1'),
  ];
  for (const [k, bytes] of corruptions.entries()) {
    await fs.writeFile(columnsFileFor(file), bytes);
    assert.deepEqual(await new MetricsCache().read(file, true), expected, `corruption ${k}`);
    assert.deepEqual(decodeColumns(await fs.readFile(columnsFileFor(file)), await sourceOf(file))?.metrics, expected, `rebuilt after corruption ${k}`);
  }
});

test('a store that cannot take the columns file still shows the metrics', async () => {
  const file = await metricsFile();
  await fs.mkdir(columnsFileFor(file)); // a directory where the file would go: the atomic rename fails
  assert.deepEqual((await new MetricsCache().read(file, true)).series.loss.value, [2, 1, 0.5]);
});

test('the experiments panel writes columns for completed runs only, and reads them back to the same snapshot', async () => {
  const layout = await tempWorkspace();
  await writeRun(layout, 'done', { metricLines: metricLines(300) });
  await writeRun(layout, 'live', { status: 'running', metricLines: metricLines(300, 0, 2) });
  const options = { ...DEFAULT_SERIES_OPTIONS, maxPoints: 100 };
  const first = await new ExperimentsData(layout, ['done', 'live'], options).snapshot();
  await fs.stat(columnsFileFor(runPaths(layout, 'done').metrics));
  await assert.rejects(fs.stat(columnsFileFor(runPaths(layout, 'live').metrics)), { code: 'ENOENT' });
  assert.deepEqual(await new ExperimentsData(layout, ['done', 'live'], options).snapshot(), first);
});
