import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineSplitter } from '../../../src/core/runs/lines';
import { lastValues, metricStats, metricWarnings, parseMetricObject, parseMetrics, type MetricsData } from '../../../src/core/runs/metrics';
import { paramEnv, parseParamAssignments } from '../../../src/core/runs/params';
import { LatheError } from '../../../src/core/workspace/errors';

test('parseMetrics builds one series per metric, ordered as written, with times', () => {
  const data = parseMetrics('{"step":0,"ts":10,"loss":1,"acc":0.5}\n{"step":1,"loss":0.5}\n');
  assert.deepEqual(data.series, { loss: [{ step: 0, value: 1, time: 10 }, { step: 1, value: 0.5 }], acc: [{ step: 0, value: 0.5, time: 10 }] });
  assert.equal(data.skippedLines, 0);
  assert.deepEqual(lastValues(data.series), { loss: 0.5, acc: 0.5 });
  assert.deepEqual(metricStats(data.series.loss), { last: 0.5, min: 0.5, max: 1, steps: 2 });
});

test('NaN and Infinity (as Python writes them) are left out of the series and reported', () => {
  const data = parseMetrics('{"step": 0, "loss": 1.0}\n{"step": 1, "loss": NaN, "acc": Infinity}\n{"step": 2, "loss": NaN}\n');
  assert.deepEqual(data.series.loss, [{ step: 0, value: 1 }]);
  assert.equal(data.series.acc, undefined);
  assert.deepEqual(data.invalid.loss, { count: 2, first: { step: 1, value: 'NaN' } });
  const warnings = metricWarnings(data);
  assert.equal(warnings.length, 2);
  assert.match(warnings[0], /metric "loss" had 2 values that are not a finite number \(first: NaN at step 1\)/);
});

test('a torn last line (write in progress) is ignored quietly; broken complete lines are counted', () => {
  const data = parseMetrics('{"step":0,"a":1}\nnot json\n{"step":"x","a":2}\n{"step":1,"a"');
  assert.deepEqual(data.series.a, [{ step: 0, value: 1 }]);
  assert.equal(data.skippedLines, 2);
  assert.match(metricWarnings(data)[0], /2 lines of metrics.jsonl are not a JSON object/);
});

test('params: numbers and booleans are parsed, other values stay strings, bad names are usage errors', () => {
  assert.deepEqual(parseParamAssignments(['lr=1e-3', 'epochs=5', 'amp=true', 'opt=adam', 'tag=0x10', 'eq=a=b']), {
    lr: 0.001,
    epochs: 5,
    amp: true,
    opt: 'adam',
    tag: '0x10',
    eq: 'a=b',
  });
  assert.throws(() => parseParamAssignments(['lr']), (e: unknown) => e instanceof LatheError && e.code === 'usage');
  assert.throws(() => parseParamAssignments(['1x=2']), /invalid parameter name '1x'/);
  assert.deepEqual(paramEnv({ 'model.lr': 0.1, opt: 'adam' }), { LATHE_PARAM_MODEL_LR: '0.1', LATHE_PARAM_OPT: 'adam' });
});

test('LineSplitter keeps multi-byte characters split across chunks and strips CR', () => {
  const s = new LineSplitter();
  const bytes = Buffer.from('é ok\r\nlast');
  assert.deepEqual(s.push(bytes.subarray(0, 1)), []);
  assert.deepEqual(s.push(bytes.subarray(1)), ['é ok']);
  assert.deepEqual(s.end(), ['last']);
});

/** What parseMetrics must return, the slow obvious way: JSON.parse (via parseMetricObject) line by line. */
function referenceParse(text: string): MetricsData {
  const data: MetricsData = { series: {}, skippedLines: 0, invalid: {} };
  const lines = text.split('\n');
  lines.forEach((raw, index) => {
    if (!raw.trim()) return;
    const record = parseMetricObject(raw.trim());
    const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
    if (!record || ('step' in record && !finite(record.step))) {
      if (index < lines.length - 1) data.skippedLines++;
      return;
    }
    const step = 'step' in record ? (record.step as number) : index;
    const time = finite(record.ts) ? record.ts : finite(record.time) ? record.time : undefined;
    for (const [metric, value] of Object.entries(record)) {
      if (['step', 'ts', 'time'].includes(metric)) continue;
      if (finite(value)) (data.series[metric] ??= []).push(time === undefined ? { step, value } : { step, value, time });
      else (data.invalid[metric] ??= { count: 0, first: { step, value: typeof value === 'string' ? value : JSON.stringify(value) } }).count++;
    }
  });
  return data;
}

test('the fast line scanner agrees with JSON.parse on numbers, odd spacing, bad tokens and key orders', () => {
  const numbers = ['0', '-0', '7', '-12', '0.1', '0.6884535318613052', '0.30000000000000004', '9007199254740993', '0.9007199254740993', '123456789012345678', '1e22', '1e23', '2.5E-3', '-1e-400', '1e400', '4.9e-324', '00', '1.', '.5', '+1', '1e', 'NaN', '-Infinity', '"3"', 'null', 'true', '[1]', '{"a":1}'];
  const keys = ['step', 'ts', 'time', 'loss', 'acc', '10', 'a\\"b', 'é', 'loss'];
  let s = 3;
  const pick = <T>(xs: T[]) => xs[(s = (Math.imul(s, 1664525) + 1013904223) >>> 0) % xs.length];
  for (let round = 0; round < 400; round++) {
    const lines = Array.from({ length: 5 }, () => {
      const fields = Array.from({ length: 1 + (round % 4) }, () => `${pick(['', ' '])}"${pick(keys)}"${pick(['', ' ', '\t'])}:${pick(['', ' '])}${pick(numbers)}`);
      return pick([`{${fields.join(',')}}`, ` {${fields.join(' , ')}} `, `{${fields.join(',')}}\r`, '', '{}', `{${fields.join(',')}`]);
    });
    const text = lines.join('\n') + pick(['', '\n']);
    const got = parseMetrics(text);
    const want = referenceParse(text);
    assert.deepEqual(got, want, text);
    assert.deepEqual(Object.keys(got.series), Object.keys(want.series), text);
  }
});
