import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineSplitter } from '../../../src/core/runs/lines';
import { lastValues, metricStats, metricWarnings, parseMetrics } from '../../../src/core/runs/metrics';
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
