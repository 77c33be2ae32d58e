import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decodeExtensionMessage,
  decodePanelState,
  decodeWebviewMessage,
  DEFAULT_SERIES_OPTIONS,
  PROTOCOL_VERSION,
  type ExtensionMessage,
  type WebviewMessage,
} from '../../../src/shared/messages';

// what postMessage does to a message: a structured clone, which for these plain objects is a JSON round trip
const wire = (m: unknown) => JSON.parse(JSON.stringify(m));
const v = PROTOCOL_VERSION;

test('every webview message survives the trip to the extension unchanged', () => {
  const messages: WebviewMessage[] = [
    { v, type: 'initialized', maxPoints: 800 },
    { v, type: 'setOptions', options: { xAxis: 'time', smoothing: 0.6 } },
    { v, type: 'exportCsv', metric: 'val/loss' },
    { v, type: 'exportPng', metric: 'loss', dataUrl: 'data:image/png;base64,iVBORw0KGgo=' },
  ];
  for (const m of messages) assert.deepEqual(decodeWebviewMessage(wire(m)), { ok: true, message: m });
});

test('every extension message survives the trip to the webview unchanged', () => {
  const table = { params: [{ name: 'lr', values: [0.1, null], differs: true }], metrics: [{ name: 'loss', goal: 'minimize' as const, last: [1, 2], best: [0.5, 2], bestRun: 0 }] };
  const runs = [{ id: 'a', name: 'run a', status: 'completed', hue: 10 }, { id: 'b', name: 'run b', status: 'running', hue: 200 }];
  const messages: ExtensionMessage[] = [
    { v, type: 'snapshot', runs, metrics: ['loss'], series: [{ runId: 'a', metric: 'loss', x: [0, 1], y: [1, 0.5] }], table, options: DEFAULT_SERIES_OPTIONS, warnings: ['w'], loading: 0 },
    { v, type: 'update', runs, metrics: ['loss'], series: [{ runId: 'b', metric: 'loss', mode: 'append', x: [2], y: [0.4] }], table, warnings: [], loading: 3 },
    { v, type: 'notice', level: 'info', message: 'Saved loss.csv' },
  ];
  for (const m of messages) assert.deepEqual(decodeExtensionMessage(wire(m)), { ok: true, message: m });
});

test('messages of another contract version are refused with a reason', () => {
  const decoded = decodeWebviewMessage({ v: PROTOCOL_VERSION + 1, type: 'initialized', maxPoints: 100 });
  assert.equal(decoded.ok, false);
  assert.match((decoded as { problem: string }).problem, /contract version/);
  assert.equal(decodeExtensionMessage({ type: 'notice', message: 'x' }).ok, false);
});

test('malformed webview messages are refused, never passed on', () => {
  const bad: unknown[] = [
    null,
    'initialized',
    { v, type: 'nope' },
    { v, type: 'setOptions', options: { xAxis: 'epoch' } },
    { v, type: 'setOptions', options: { smoothing: 'lots' } },
    { v, type: 'exportPng', metric: 'loss', dataUrl: 'javascript:alert(1)' },
    { v, type: 'exportCsv' },
    { v, type: 'initialized' },
  ];
  for (const m of bad) assert.equal(decodeWebviewMessage(m).ok, false, JSON.stringify(m));
});

test('webview options are clamped to what the extension can serve', () => {
  const decoded = decodeWebviewMessage({ v, type: 'setOptions', options: { smoothing: 5, maxPoints: 1e9, extra: 1 } });
  assert.deepEqual(decoded, { ok: true, message: { v, type: 'setOptions', options: { smoothing: 0.999, maxPoints: 10000 } } });
});

test('saved panel state restores, and anything unreadable restores as an empty panel', () => {
  assert.deepEqual(decodePanelState({ v, runIds: ['a', 7, 'b'], options: { xAxis: 'time' } }), {
    v,
    runIds: ['a', 'b'],
    options: { ...DEFAULT_SERIES_OPTIONS, xAxis: 'time' },
  });
  assert.deepEqual(decodePanelState(undefined), { v, runIds: [], options: DEFAULT_SERIES_OPTIONS });
  assert.deepEqual(decodePanelState({ v: 0, runIds: ['a'] }).runIds, []);
});
