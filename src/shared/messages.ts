/**
 * The message contract between the extension and its webview panels. Both sides import this file and nothing else
 * from each other. The webview posts `initialized` first; the extension answers with a full `snapshot`, then sends
 * `update`s (append-only point deltas, or a replaced series when a delta would exceed the point budget).
 * Every message carries `v`: a webview built for another contract version is told so instead of misreading data.
 */
export const PROTOCOL_VERSION = 1;

export type XAxis = 'step' | 'time';

/** What the extension needs to build series: options that change the data, not just its drawing. */
export interface SeriesOptions {
  xAxis: XAxis;
  /** EMA weight in [0, 1): 0 is no smoothing (TensorBoard's slider). */
  smoothing: number;
  /** Most points per series: the plot width in pixels, so a chart never gets more points than it can show. */
  maxPoints: number;
}

export const DEFAULT_SERIES_OPTIONS: SeriesOptions = { xAxis: 'step', smoothing: 0, maxPoints: 1000 };

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface RunInfo {
  id: string;
  name: string;
  status: string;
  /** Hue in [0, 360) derived from the run id, so a run keeps its colour across panels and reloads. */
  hue: number;
}

/** One run's curve of one metric; `x` is the step or the seconds since the run's first metric. */
export interface SeriesData {
  runId: string;
  metric: string;
  x: number[];
  y: number[];
}

export interface SeriesDelta extends SeriesData {
  /** `append`: add the points after the current ones; `replace`: the series is these points now. */
  mode: 'append' | 'replace';
}

export interface TableParam {
  name: string;
  /** One per run of the message's `runs`, null where the run has no such parameter. */
  values: (JsonValue | null)[];
  differs: boolean;
}

export interface TableMetric {
  name: string;
  goal: 'minimize' | 'maximize';
  last: (number | null)[];
  best: (number | null)[];
  /** Index into `runs` of the best run, or null. */
  bestRun: number | null;
}

export interface TableData {
  params: TableParam[];
  metrics: TableMetric[];
}

/** What snapshots and updates share. `loading`: runs not read yet (a large first snapshot arrives in parts). */
interface RunsPayload {
  v: typeof PROTOCOL_VERSION;
  runs: RunInfo[];
  metrics: string[];
  table: TableData;
  warnings: string[];
  loading: number;
}

export type ExtensionMessage =
  | (RunsPayload & { type: 'snapshot'; series: SeriesData[]; options: SeriesOptions })
  | (RunsPayload & { type: 'update'; series: SeriesDelta[] })
  | { v: typeof PROTOCOL_VERSION; type: 'notice'; level: 'info' | 'error'; message: string };

export type WebviewMessage =
  | { v: typeof PROTOCOL_VERSION; type: 'initialized'; maxPoints: number }
  | { v: typeof PROTOCOL_VERSION; type: 'setOptions'; options: Partial<SeriesOptions> }
  | { v: typeof PROTOCOL_VERSION; type: 'exportCsv'; metric: string }
  | { v: typeof PROTOCOL_VERSION; type: 'exportPng'; metric: string; dataUrl: string };

/** What a panel's webview keeps with `setState`, so the serializer can restore the panel after a reload. */
export interface PanelState {
  v: typeof PROTOCOL_VERSION;
  runIds: string[];
  options: SeriesOptions;
}

type Decoded<T> = { ok: true; message: T } | { ok: false; problem: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === 'string';
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Options as sent by a webview: unknown keys dropped, values clamped, a wrong type is a problem. */
export function checkSeriesOptions(value: unknown): Partial<SeriesOptions> | string {
  if (!isObject(value)) return 'options is not an object';
  const out: Partial<SeriesOptions> = {};
  if (value.xAxis !== undefined) {
    if (value.xAxis !== 'step' && value.xAxis !== 'time') return `xAxis must be "step" or "time", not ${JSON.stringify(value.xAxis)}`;
    out.xAxis = value.xAxis;
  }
  if (value.smoothing !== undefined) {
    if (!isNumber(value.smoothing)) return 'smoothing must be a number';
    out.smoothing = Math.min(0.999, Math.max(0, value.smoothing));
  }
  if (value.maxPoints !== undefined) {
    if (!isNumber(value.maxPoints)) return 'maxPoints must be a number';
    out.maxPoints = Math.min(10000, Math.max(3, Math.round(value.maxPoints)));
  }
  return out;
}

/** Check a message posted by a webview (it is untrusted input: the page could be anything). */
export function decodeWebviewMessage(value: unknown): Decoded<WebviewMessage> {
  if (!isObject(value) || !isString(value.type)) return { ok: false, problem: 'not a message object with a type' };
  if (value.v !== PROTOCOL_VERSION) return { ok: false, problem: `message '${value.type}' has contract version ${String(value.v)}, expected ${PROTOCOL_VERSION}` };
  const v = PROTOCOL_VERSION;
  switch (value.type) {
    case 'initialized': {
      if (!isNumber(value.maxPoints)) return { ok: false, problem: 'initialized needs maxPoints, the plot width' };
      const { maxPoints } = checkSeriesOptions({ maxPoints: value.maxPoints }) as Partial<SeriesOptions>;
      return { ok: true, message: { v, type: 'initialized', maxPoints: maxPoints! } };
    }
    case 'setOptions': {
      const options = checkSeriesOptions(value.options);
      return typeof options === 'string' ? { ok: false, problem: options } : { ok: true, message: { v, type: 'setOptions', options } };
    }
    case 'exportCsv':
      return isString(value.metric) ? { ok: true, message: { v, type: 'exportCsv', metric: value.metric } } : { ok: false, problem: 'exportCsv needs a metric' };
    case 'exportPng':
      return isString(value.metric) && isString(value.dataUrl) && value.dataUrl.startsWith('data:image/png;base64,')
        ? { ok: true, message: { v, type: 'exportPng', metric: value.metric, dataUrl: value.dataUrl } }
        : { ok: false, problem: 'exportPng needs a metric and a PNG data URL' };
    default:
      return { ok: false, problem: `unknown message type '${value.type}'` };
  }
}

/** Check a message from the extension, in the webview (a stale webview after an upgrade must not misread it). */
export function decodeExtensionMessage(value: unknown): Decoded<ExtensionMessage> {
  if (!isObject(value) || !isString(value.type)) return { ok: false, problem: 'not a message object with a type' };
  if (value.v !== PROTOCOL_VERSION) return { ok: false, problem: `the extension speaks contract version ${String(value.v)}, this panel ${PROTOCOL_VERSION}: reopen the panel` };
  if (value.type === 'snapshot' || value.type === 'update') {
    return Array.isArray(value.runs) && Array.isArray(value.series) && Array.isArray(value.metrics) && isObject(value.table)
      ? { ok: true, message: value as unknown as ExtensionMessage }
      : { ok: false, problem: `${value.type} without runs, metrics, series or table` };
  }
  if (value.type === 'notice') {
    return isString(value.message) ? { ok: true, message: value as unknown as ExtensionMessage } : { ok: false, problem: 'notice without a message' };
  }
  return { ok: false, problem: `unknown message type '${value.type}'` };
}

/** Restore what a webview saved; anything unreadable restores as an empty panel with default options. */
export function decodePanelState(value: unknown): PanelState {
  if (!isObject(value) || value.v !== PROTOCOL_VERSION || !Array.isArray(value.runIds)) {
    return { v: PROTOCOL_VERSION, runIds: [], options: { ...DEFAULT_SERIES_OPTIONS } };
  }
  const options = checkSeriesOptions(value.options);
  return {
    v: PROTOCOL_VERSION,
    runIds: value.runIds.filter(isString),
    options: { ...DEFAULT_SERIES_OPTIONS, ...(typeof options === 'string' ? {} : options) },
  };
}
