import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  checkSweepObjective,
  decodeModelsExtensionMessage,
  decodeModelsPanelState,
  decodeModelsWebviewMessage,
  decodeSweepExtensionMessage,
  decodeSweepPanelState,
  decodeSweepWebviewMessage,
  PROTOCOL_VERSION,
} from '../../../src/shared/messages';

const v = PROTOCOL_VERSION;

test('sweep webview messages: objective checked, exports need a chart and a PNG data URL, versions must match', () => {
  assert.deepEqual(decodeSweepWebviewMessage({ v, type: 'setObjective', objective: { metric: 'acc', goal: 'maximize', reduce: 'best', extra: 1 } }), {
    ok: true,
    message: { v, type: 'setObjective', objective: { metric: 'acc', goal: 'maximize', reduce: 'best' } },
  });
  assert.deepEqual(decodeSweepWebviewMessage({ v, type: 'setObjective', objective: { goal: 'up' } }), { ok: false, problem: 'goal must be "minimize" or "maximize", not "up"' });
  assert.equal(decodeSweepWebviewMessage({ v, type: 'setObjective', objective: { reduce: 'mean' } }).ok, false);
  assert.equal(decodeSweepWebviewMessage({ v, type: 'setObjective', objective: { metric: '' } }).ok, false);
  assert.deepEqual(decodeSweepWebviewMessage({ v, type: 'initialized', maxPoints: 1e9 }), { ok: true, message: { v, type: 'initialized', maxPoints: 10000 } });
  assert.deepEqual(decodeSweepWebviewMessage({ v, type: 'exportCsv' }), { ok: true, message: { v, type: 'exportCsv' } });
  assert.equal(decodeSweepWebviewMessage({ v, type: 'exportPng', chart: 'parallel', dataUrl: 'data:image/png;base64,AA' }).ok, true);
  assert.equal(decodeSweepWebviewMessage({ v, type: 'exportPng', chart: 'parallel', dataUrl: 'file:///etc/passwd' }).ok, false);
  assert.match((decodeSweepWebviewMessage({ v: 99, type: 'exportCsv' }) as { problem: string }).problem, /version 99/);
  assert.equal(decodeSweepWebviewMessage({ v, type: 'setOptions', options: {} }).ok, false, 'another panel\u2019s message');
  assert.equal(checkSweepObjective('loss'), 'objective is not an object');
});

test('models webview messages: initialized, exportCsv and exportPng only', () => {
  assert.equal(decodeModelsWebviewMessage({ v, type: 'initialized', maxPoints: 500 }).ok, true);
  assert.equal(decodeModelsWebviewMessage({ v, type: 'exportPng', chart: 'size', dataUrl: 'data:image/png;base64,AA' }).ok, true);
  assert.deepEqual(decodeModelsWebviewMessage({ v, type: 'exportCsv', extra: 1 }), { ok: true, message: { v, type: 'exportCsv' } });
  assert.equal(decodeModelsWebviewMessage({ v, type: 'setObjective', objective: {} }).ok, false);
  assert.equal(decodeModelsWebviewMessage(null).ok, false);
});

test('extension messages in the webviews: data must be there, notices need text, other types are refused', () => {
  assert.equal(decodeSweepExtensionMessage({ v, type: 'sweep', sweep: { trials: [], axes: [] } }).ok, true);
  assert.equal(decodeSweepExtensionMessage({ v, type: 'sweep', sweep: { trials: [] } }).ok, false);
  assert.equal(decodeSweepExtensionMessage({ v, type: 'notice', level: 'info', message: 'saved' }).ok, true);
  assert.equal(decodeSweepExtensionMessage({ v, type: 'models', models: {} }).ok, false);
  assert.match((decodeSweepExtensionMessage({ v: 2, type: 'sweep' }) as { problem: string }).problem, /reopen the panel/);
  assert.equal(decodeModelsExtensionMessage({ v, type: 'models', models: { versions: [], graph: { nodes: [], edges: [] } } }).ok, true);
  assert.equal(decodeModelsExtensionMessage({ v, type: 'models', models: { versions: [] } }).ok, false);
});

test('panel states: a sweep state without a sweep restores nothing; model refs keep only strings', () => {
  assert.deepEqual(decodeSweepPanelState({ v, sweep: 'lr', objective: { metric: 'acc', goal: 'sideways' } }), { v, sweep: 'lr', objective: {} });
  assert.deepEqual(decodeSweepPanelState({ v, sweep: 'lr', objective: { reduce: 'best' } }), { v, sweep: 'lr', objective: { reduce: 'best' } });
  assert.equal(decodeSweepPanelState({ v, sweep: '' }), undefined);
  assert.equal(decodeSweepPanelState('junk'), undefined);
  assert.deepEqual(decodeModelsPanelState({ v, refs: ['a@v1', 3, 'b@v2'] }), { v, refs: ['a@v1', 'b@v2'] });
  assert.deepEqual(decodeModelsPanelState({ v: 0, refs: ['a@v1'] }), { v, refs: [] });
});
