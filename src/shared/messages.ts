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

/** A line for a panel's notice area (an export saved, a problem): every panel takes it. */
export type NoticeMessage = { v: typeof PROTOCOL_VERSION; type: 'notice'; level: 'info' | 'error'; message: string };

/** The first message of every webview, once it listens: the plot width in pixels, the most points a series needs. */
export type InitializedMessage = { v: typeof PROTOCOL_VERSION; type: 'initialized'; maxPoints: number };

export type ExtensionMessage =
  | (RunsPayload & { type: 'snapshot'; series: SeriesData[]; options: SeriesOptions })
  | (RunsPayload & { type: 'update'; series: SeriesDelta[] })
  | NoticeMessage;

export type WebviewMessage =
  | InitializedMessage
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

// ---- sweep panel ----

/** How a trial's single score is taken from its objective metric's series. */
export interface SweepObjective {
  metric: string;
  goal: 'minimize' | 'maximize';
  /** `last`: the value at the last step; `best`: the best value over all steps. */
  reduce: 'last' | 'best';
}

/** One swept parameter as an axis: numbers (log-scaled when they span two decades or more) or categories. */
export interface SweepAxis {
  name: string;
  kind: 'numeric' | 'categorical';
  min: number;
  max: number;
  log: boolean;
  /** Categorical axes: the distinct values (as text), in order; a trial's value is an index into them. */
  categories: string[];
}

export interface SweepTrial {
  runId: string;
  name: string;
  /** 1-based, in creation order: the x of the optimisation history. */
  number: number;
  status: string;
  pruned: boolean;
  /** Per axis (same order as `axes`): the number, or the category index; null where the trial lacks the parameter. */
  values: (number | null)[];
  objective: number | null;
  /** The objective metric by step (downsampled to the plot width): the intermediate values. */
  steps: number[];
  intermediate: number[];
}

export interface SweepImportance {
  /** How the importances were computed, in words the panel shows. */
  method: string;
  /** Per parameter: the share of the objective's variance its main effect explains, in [0, 1]; descending. */
  params: { name: string; importance: number }[];
  /** The share left to interactions between parameters. */
  interactions: number;
  /** Why there are no importances (too few trials...), when `params` is empty. */
  reason?: string;
}

export interface SweepData {
  name: string;
  objective: SweepObjective;
  /** Metrics the trials report: the objective may be any of them. */
  metrics: string[];
  axes: SweepAxis[];
  trials: SweepTrial[];
  /** Trial numbers with an objective, their objective and the best so far (the optimisation history). */
  history: { number: number; value: number; best: number }[];
  /** runId of the best trial, or null. */
  bestRunId: string | null;
  importance: SweepImportance;
  warnings: string[];
}

export type SweepExtensionMessage =
  | { v: typeof PROTOCOL_VERSION; type: 'sweep'; sweep: SweepData }
  | NoticeMessage;

/** Save the panel's data as CSV (the extension builds it from the store, at full resolution). */
export type ExportCsvMessage = { v: typeof PROTOCOL_VERSION; type: 'exportCsv' };

/** Save one chart, named by `chart`, as the PNG the webview drew. */
export type ExportChartPngMessage = { v: typeof PROTOCOL_VERSION; type: 'exportPng'; chart: string; dataUrl: string };

export type SweepWebviewMessage =
  | InitializedMessage
  | { v: typeof PROTOCOL_VERSION; type: 'setObjective'; objective: Partial<SweepObjective> }
  | ExportCsvMessage
  | ExportChartPngMessage;

export interface SweepPanelState {
  v: typeof PROTOCOL_VERSION;
  sweep: string;
  objective?: Partial<SweepObjective>;
}

// ---- model versions panel ----

export interface ModelBar {
  /** `name@vK`. */
  ref: string;
  technique: string | null;
  sizeBytes: number;
  parameterCount: number;
  latencyMs: number | null;
  /** The metric the latency was read from (latency_ms, latency_p50_ms...). */
  latencyMetric: string | null;
  accuracy: number | null;
  accuracyMetric: string | null;
}

export type LineageKind = 'model' | 'run' | 'dataset';

/** A node of the lineage graph, placed by a layered layout: `layer` is its column, `order` its row in it. */
export interface LineageGraphNode {
  id: string;
  kind: LineageKind;
  label: string;
  detail: string;
  layer: number;
  order: number;
  /** One of the versions being compared. */
  selected: boolean;
  /** A run or version named by a record but missing from the store. */
  missing: boolean;
}

export interface LineageGraphEdge {
  from: string;
  to: string;
  /** Model → model: the technique (quantize, distill, lora...); run → model: "produced"; dataset → run: "trained on". */
  label: string;
}

export interface LineageGraph {
  nodes: LineageGraphNode[];
  edges: LineageGraphEdge[];
  layers: number;
}

export interface ModelsData {
  versions: ModelBar[];
  graph: LineageGraph;
  warnings: string[];
}

export type ModelsExtensionMessage =
  | { v: typeof PROTOCOL_VERSION; type: 'models'; models: ModelsData }
  | NoticeMessage;

export type ModelsWebviewMessage = InitializedMessage | ExportCsvMessage | ExportChartPngMessage;

export interface ModelsPanelState {
  v: typeof PROTOCOL_VERSION;
  refs: string[];
}

const isPngUrl = (v: unknown): v is string => isString(v) && v.startsWith('data:image/png;base64,');

function checkVersioned(value: unknown): { type: string; body: Record<string, unknown> } | string {
  if (!isObject(value) || !isString(value.type)) return 'not a message object with a type';
  if (value.v !== PROTOCOL_VERSION) return `message '${value.type}' has contract version ${String(value.v)}, expected ${PROTOCOL_VERSION}`;
  return { type: value.type, body: value };
}

/** A sweep objective as sent by a webview: unknown keys dropped, a wrong value is a problem. */
export function checkSweepObjective(value: unknown): Partial<SweepObjective> | string {
  if (!isObject(value)) return 'objective is not an object';
  const out: Partial<SweepObjective> = {};
  if (value.metric !== undefined) {
    if (!isString(value.metric) || !value.metric) return 'objective metric must be a metric name';
    out.metric = value.metric;
  }
  if (value.goal !== undefined) {
    if (value.goal !== 'minimize' && value.goal !== 'maximize') return `goal must be "minimize" or "maximize", not ${JSON.stringify(value.goal)}`;
    out.goal = value.goal;
  }
  if (value.reduce !== undefined) {
    if (value.reduce !== 'last' && value.reduce !== 'best') return `reduce must be "last" or "best", not ${JSON.stringify(value.reduce)}`;
    out.reduce = value.reduce;
  }
  return out;
}

function decodeInitialized(body: Record<string, unknown>): Decoded<InitializedMessage> {
  if (!isNumber(body.maxPoints)) return { ok: false, problem: 'initialized needs maxPoints, the plot width' };
  const { maxPoints } = checkSeriesOptions({ maxPoints: body.maxPoints }) as Partial<SeriesOptions>;
  return { ok: true, message: { v: PROTOCOL_VERSION, type: 'initialized', maxPoints: maxPoints! } };
}

function decodeChartPng(body: Record<string, unknown>): Decoded<ExportChartPngMessage> {
  return isString(body.chart) && isPngUrl(body.dataUrl)
    ? { ok: true, message: { v: PROTOCOL_VERSION, type: 'exportPng', chart: body.chart, dataUrl: body.dataUrl } }
    : { ok: false, problem: 'exportPng needs a chart name and a PNG data URL' };
}

/** Check a message posted by the sweep panel's webview (untrusted input). */
export function decodeSweepWebviewMessage(value: unknown): Decoded<SweepWebviewMessage> {
  const checked = checkVersioned(value);
  if (typeof checked === 'string') return { ok: false, problem: checked };
  const { type, body } = checked;
  switch (type) {
    case 'initialized':
      return decodeInitialized(body);
    case 'setObjective': {
      const objective = checkSweepObjective(body.objective);
      return typeof objective === 'string' ? { ok: false, problem: objective } : { ok: true, message: { v: PROTOCOL_VERSION, type, objective } };
    }
    case 'exportCsv':
      return { ok: true, message: { v: PROTOCOL_VERSION, type } };
    case 'exportPng':
      return decodeChartPng(body);
    default:
      return { ok: false, problem: `unknown message type '${type}'` };
  }
}

/** Check a message posted by the model versions panel's webview (untrusted input). */
export function decodeModelsWebviewMessage(value: unknown): Decoded<ModelsWebviewMessage> {
  const checked = checkVersioned(value);
  if (typeof checked === 'string') return { ok: false, problem: checked };
  const { type, body } = checked;
  if (type === 'initialized') return decodeInitialized(body);
  if (type === 'exportCsv') return { ok: true, message: { v: PROTOCOL_VERSION, type } };
  if (type === 'exportPng') return decodeChartPng(body);
  return { ok: false, problem: `unknown message type '${type}'` };
}

function decodePanelMessage<T>(value: unknown, dataType: string, hasData: (body: Record<string, unknown>) => boolean): Decoded<T> {
  if (!isObject(value) || !isString(value.type)) return { ok: false, problem: 'not a message object with a type' };
  if (value.v !== PROTOCOL_VERSION) return { ok: false, problem: `the extension speaks contract version ${String(value.v)}, this panel ${PROTOCOL_VERSION}: reopen the panel` };
  if (value.type === dataType) return hasData(value) ? { ok: true, message: value as T } : { ok: false, problem: `${dataType} message without its data` };
  if (value.type === 'notice') return isString(value.message) ? { ok: true, message: value as T } : { ok: false, problem: 'notice without a message' };
  return { ok: false, problem: `unknown message type '${value.type}'` };
}

/** Check a message from the extension, in the sweep panel. */
export function decodeSweepExtensionMessage(value: unknown): Decoded<SweepExtensionMessage> {
  return decodePanelMessage(value, 'sweep', (b) => isObject(b.sweep) && Array.isArray(b.sweep.trials) && Array.isArray(b.sweep.axes));
}

/** Check a message from the extension, in the model versions panel. */
export function decodeModelsExtensionMessage(value: unknown): Decoded<ModelsExtensionMessage> {
  return decodePanelMessage(value, 'models', (b) => isObject(b.models) && Array.isArray(b.models.versions) && isObject(b.models.graph));
}

/** Restore the sweep panel; undefined when the saved state names no sweep. */
export function decodeSweepPanelState(value: unknown): SweepPanelState | undefined {
  if (!isObject(value) || value.v !== PROTOCOL_VERSION || !isString(value.sweep) || !value.sweep) return undefined;
  const objective = checkSweepObjective(value.objective ?? {});
  return { v: PROTOCOL_VERSION, sweep: value.sweep, objective: typeof objective === 'string' ? {} : objective };
}

/** Restore the model versions panel: the version refs it showed (unreadable state restores an empty panel). */
export function decodeModelsPanelState(value: unknown): ModelsPanelState {
  if (!isObject(value) || value.v !== PROTOCOL_VERSION || !Array.isArray(value.refs)) return { v: PROTOCOL_VERSION, refs: [] };
  return { v: PROTOCOL_VERSION, refs: value.refs.filter(isString) };
}
