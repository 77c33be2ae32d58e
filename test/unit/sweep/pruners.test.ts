import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AshaPruner, hyperbandPruner, MedianPruner, type TrialProgress } from '../../../src/core/sweep';

const trial = (number: number, values: number[], state: TrialProgress['state'] = 'complete'): TrialProgress => ({ number, state, points: values.map((value, i) => ({ step: i + 1, value })) });

test('median stops a trial worse than the median of completed trials at the same step, not before min_iter or two completed trials', () => {
  const done = [trial(1, [0.5, 0.6, 0.7]), trial(2, [0.3, 0.4, 0.5])];
  const median = new MedianPruner(2);
  assert.equal(median.shouldPrune(trial(3, [0.1], 'running'), [...done], 'maximize'), false, 'before min_iter');
  assert.equal(median.shouldPrune(trial(3, [0.1, 0.2], 'running'), done, 'maximize'), true, '0.2 < median 0.5');
  assert.equal(median.shouldPrune(trial(3, [0.1, 0.6], 'running'), done, 'maximize'), false);
  assert.equal(median.shouldPrune(trial(3, [0.1, 0.2], 'running'), done, 'minimize'), false, 'lower is better');
  assert.equal(median.shouldPrune(trial(3, [0.1, 0.2], 'running'), [done[0], { ...done[1], state: 'running' }], 'maximize'), false, 'one completed trial');
});

test('ASHA keeps the top 1/eta at each rung, decides once per rung; hyperband compares within a bracket', () => {
  const asha = new AshaPruner(1, 2);
  const others = [trial(1, [0.9, 0.9]), trial(2, [0.8, 0.8]), trial(3, [0.7])];
  assert.equal(asha.shouldPrune(trial(4, [0.95], 'running'), others, 'maximize'), false, 'best at rung 1');
  assert.equal(asha.shouldPrune(trial(4, [0.75], 'running'), others, 'maximize'), true, 'not in the top half at rung 1');
  assert.equal(asha.shouldPrune(trial(4, [0.95, 0.1, 0.1], 'running'), others, 'maximize'), false, 'step 3 reaches no new rung');
  assert.equal(asha.shouldPrune(trial(4, [0.95, 0.1], 'running'), others, 'maximize'), true, 'rung 2 (step 2): worse than the top half');
  // hyperband with 2 brackets: odd trials compete only with odd ones
  const hb = hyperbandPruner(1, 2, 2);
  assert.equal(hb.shouldPrune(trial(4, [0.1], 'running'), [trial(2, [0.05]), trial(1, [0.9]), trial(3, [0.9])], 'maximize'), false);
  assert.equal(hb.shouldPrune(trial(5, [0.1, 0.1], 'running'), [trial(2, [0.05, 0.05]), trial(1, [0.9, 0.9]), trial(3, [0.9, 0.9])], 'maximize'), true, 'bracket 1 starts at step 2');
});
