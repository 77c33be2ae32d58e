import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { onnx } from 'onnx-proto';
import { readNumericRows, type NumericRows } from '../data/rows';
import type { OperationOptions } from '../events';
import { encodeModel } from '../onnx/model';
import { seededRandom } from '../onnx/random';
import { loadSource } from '../quantize/job';
import { taskMetric, type TaskMetric } from '../quantize/task';
import { registerModel, registerModelBytes, resolveModelRef, type ModelVersion, type RegisteredModel } from '../registry';
import type { ParamValue } from '../runs/record';
import { trainModel, shuffled, type EpochMetrics, type Table } from '../train/loop';
import { writeFileAtomic } from '../workspace/atomic';
import { hashFile } from '../workspace/blobs';
import { LatheError } from '../workspace/errors';
import type { StoreLayout } from '../workspace/layout';
import { adapterModel, checkAdapterBase, extractAdapter, parseAdapter, type LoraAdapter } from './adapter';
import { applyLora, loraScale, type LoraAdapterSpec } from './inject';
import { mergeLora } from './merge';

export const LORA_DEFAULTS = { targets: 'all-linear', rank: 8, alpha: 16, dropout: 0, epochs: 20, lr: 0.005, batchSize: 32, seed: 0, testFraction: 0.2 } as const;

export interface LoraTrainRequest {
  /** The base: `name@ref` of a registered version (`model:` prefix allowed) or an .onnx path. */
  base: string;
  /** `dataset:name@ref`, `name@ref` or a CSV/TSV/NPY/Parquet file of features and labels. */
  dataset: string;
  /** The label column (default: see readNumericRows; a last extra column otherwise). */
  label?: string;
  targets?: string;
  rank?: number;
  alpha?: number;
  dropout?: number;
  rslora?: boolean;
  epochs?: number;
  lr?: number;
  batchSize?: number;
  seed?: number;
  /** Share of the rows held out to compare base, LoRA and full fine-tuning (default 0.2). */
  testFraction?: number;
  /** Also train every weight with the same data, seed and epochs, for comparison (default true). */
  compareFull?: boolean;
  /** The registered name of the adapter (default `<base name>-lora`). */
  name?: string;
  /** Register the adapter as a version (default true; needs a registered base). */
  register?: boolean;
  /** Also write the adapter file here. */
  output?: string;
  /** Also write the base with the adapter merged in here. */
  mergedOutput?: string;
  /** The run that trains it (LATHE_RUN_ID), recorded in its lineage. */
  run?: string;
  /** Paths are relative to this (default: the workspace root). */
  cwd?: string;
}

export interface LoraTrainResult {
  base: string;
  dataset: string;
  rows: { train: number; test: number };
  adapters: LoraAdapterSpec[];
  parameters: { trainable: number; total: number };
  /** Bytes of the adapter file. */
  adapterBytes: number;
  /** The held-out rows' task metric (accuracy, or mse for a regressor) of the base, the adapted and the fully fine-tuned model. */
  task: { name: TaskMetric['name']; base: number; lora: number; full?: number };
  history: EpochMetrics[];
  settings: Record<string, ParamValue>;
  metrics: Record<string, number>;
  version?: RegisteredModel;
  output?: string;
  mergedOutput?: string;
}

export interface LoraJobOptions extends OperationOptions {
  /** Each LoRA training epoch's metrics, as they come (for live curves). */
  onEpoch?: (metrics: EpochMetrics) => void;
}

interface Base {
  model: onnx.ModelProto;
  sha256: string;
  label: string;
  /** The registered version, when the base is one. */
  version?: ModelVersion;
}

/** A registered version or an .onnx file, with the sha256 of its bytes (what an adapter names its base by). */
async function loadVersionOrFile(layout: StoreLayout, given: string, cwd: string): Promise<Base> {
  const source = await loadSource(layout, given, cwd);
  if (!source.ref) return { model: source.model, sha256: (await hashFile(source.label)).sha256, label: source.label };
  const version = await resolveModelRef(layout, source.ref);
  return { model: source.model, sha256: version.file.sha256, label: source.label, version };
}

function firstInput(model: onnx.IModelProto): { name: string; width: number } {
  const graph = model.graph ?? {};
  const weights = new Set((graph.initializer ?? []).map((t) => t.name));
  const inputs = (graph.input ?? []).filter((i) => !weights.has(i.name));
  if (inputs.length !== 1) {
    throw new LatheError('unsupported-model', `LoRA training feeds one input of numeric rows; this model has ${inputs.length} inputs (${inputs.map((i) => i.name).join(', ')})`);
  }
  const dims = (inputs[0].type?.tensorType?.shape?.dim ?? []).slice(1).map((d) => Number(d.dimValue ?? 0));
  return { name: inputs[0].name ?? '', width: dims.reduce((a, b) => a * b, 1) };
}

function outputWidth(model: onnx.IModelProto): number {
  const dims = model.graph?.output?.[0]?.type?.tensorType?.shape?.dim ?? [];
  return Number(dims[dims.length - 1]?.dimValue ?? 0);
}

async function readRows(layout: StoreLayout, request: LoraTrainRequest, inputWidth: number, cwd: string): Promise<NumericRows> {
  const rows = await readNumericRows(layout, request.dataset, { cwd, label: request.label, featureWidth: inputWidth });
  if (!rows.labels) {
    throw new LatheError('missing-column', `${rows.file} has no label column to train on`, { hint: 'name it with --label, or call it label/target/y/class' });
  }
  if (rows.width !== inputWidth) {
    throw new LatheError('shape-mismatch', `${rows.file} has ${rows.width} feature column(s), the model's input takes ${inputWidth}`, {
      hint: rows.columns ? `features read: ${rows.columns.slice(0, 10).join(', ')}` : 'pick the label with --label',
    });
  }
  return rows;
}

/** The rows as a training table: class indices for a classifier, float targets [1] for a single-output regressor. */
function tableOf(rows: NumericRows, ids: number[], input: string, classes: number): Table {
  const features = new Float32Array(ids.length * rows.width);
  ids.forEach((row, i) => features.set(rows.features.subarray(row * rows.width, (row + 1) * rows.width), i * rows.width));
  const labels = ids.map((row) => rows.labels![row]);
  if (classes > 1) {
    const bad = labels.find((v) => !Number.isInteger(v) || v < 0 || v >= classes);
    if (bad !== undefined) {
      throw new LatheError('bad-table', `label ${bad} in ${rows.file} is not a class of the model (0..${classes - 1})`, { hint: 'labels must be class indices (or class names) of the base model' });
    }
    return { [input]: { data: features, shape: [rows.width] }, labels: { data: BigInt64Array.from(labels.map(BigInt)), shape: [] } };
  }
  return { [input]: { data: features, shape: [rows.width] }, targets: { data: Float32Array.from(labels), shape: [1] } };
}

async function score(model: onnx.IModelProto, rows: NumericRows, ids: number[], input: string): Promise<TaskMetric> {
  const feeds = ids.map((row) => ({ [input]: new ort.Tensor('float32', rows.features.slice(row * rows.width, (row + 1) * rows.width), [1, rows.width]) }));
  return taskMetric(model, feeds, ids.map((row) => rows.labels![row]));
}

function floatParameters(model: onnx.IModelProto): number {
  return (model.graph?.initializer ?? []).filter((t) => t.dataType === 1 || t.dataType === 11).reduce((n, t) => n + (t.dims ?? []).reduce<number>((a, d) => a * Number(d), 1), 0);
}

function cancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new LatheError('cancelled', 'LoRA training was cancelled; nothing was registered', { hint: 'run it again to finish' });
}

/**
 * Fine-tune a base model with LoRA on labelled rows: adapters on the targeted linear layers are the only weights
 * trained (AdamW, seeded split and shuffling); the base, the adapted model and — unless compareFull is false — the
 * same base with every weight trained are scored on the same held-out rows. The adapter alone is registered as an
 * adapter version (kind 'adapter', parent = the base, technique lora) and/or written to `output`.
 */
export async function trainLoraAdapter(layout: StoreLayout, request: LoraTrainRequest, opts: LoraJobOptions = {}): Promise<LoraTrainResult> {
  const cwd = request.cwd ?? layout.root;
  const o = { ...LORA_DEFAULTS, ...Object.fromEntries(Object.entries(request).filter(([, v]) => v !== undefined)) } as LoraTrainRequest & typeof LORA_DEFAULTS;
  const progress = (message: string, fraction: number) => opts.onProgress?.({ message, fraction });
  progress('loading the base model', 0);
  const base = await loadVersionOrFile(layout, request.base, cwd);
  const register = request.register !== false;
  if (register && !base.version) {
    throw new LatheError('usage', `${base.label} is a file, not a registered version, so the adapter cannot be registered as its version`, {
      hint: 'register the base first (lathe model register), or pass --no-register --output adapter.onnx',
    });
  }
  if (!register && !request.output && !request.mergedOutput) throw new LatheError('usage', 'with --no-register the adapter needs --output (or --merged-output), or it is lost');
  const lora = applyLora(base.model, { targets: o.targets, rank: o.rank, alpha: o.alpha, dropout: o.dropout, rslora: o.rslora, seed: o.seed });
  const input = firstInput(base.model);
  const classes = outputWidth(base.model);
  const rows = await readRows(layout, request, input.width, cwd);
  const order = shuffled([...Array(rows.rows).keys()], seededRandom(o.seed));
  const held = Math.round(rows.rows * o.testFraction);
  const [testIds, trainIds] = [order.slice(0, held), order.slice(held)];
  if (testIds.length === 0 || trainIds.length === 0) {
    throw new LatheError('bad-table', `${rows.file} has ${rows.rows} row(s): too few to train and hold out ${Math.round(o.testFraction * 100)}% for the comparison`);
  }
  const table = tableOf(rows, trainIds, input.name, classes);
  opts.log?.(`LoRA on ${base.label}: ${lora.adapters.length} weight(s) (${lora.adapters.map((a) => a.weight).join(', ')}), rank ${o.rank}, alpha ${o.alpha}`);
  opts.log?.(`data: ${rows.dataset ?? rows.file}, ${trainIds.length} training row(s), ${testIds.length} held out`);
  const train = {
    loss: classes > 1 ? ({ kind: 'cross-entropy' } as const) : ({ kind: 'mse' } as const),
    optimizer: { kind: 'adamw', weightDecay: 0 } as const,
    epochs: o.epochs,
    batchSize: o.batchSize,
    seed: o.seed,
    lr: o.lr,
    signal: opts.signal,
  };
  cancelled(opts.signal);
  const total = o.compareFull === false ? o.epochs : 2 * o.epochs;
  progress('training the adapters', 0.05);
  const trained = await trainModel(lora.model, table, {
    ...train,
    trainable: lora.trainable,
    onEpoch: (m) => {
      opts.onEpoch?.(m);
      progress(`LoRA epoch ${m.epoch + 1}/${o.epochs}: loss ${m.loss.toFixed(4)}`, 0.05 + (0.85 * (m.epoch + 1)) / total);
    },
  });
  let full: TaskMetric | undefined;
  if (o.compareFull !== false) {
    progress('full fine-tuning, for comparison', 0.05 + (0.85 * o.epochs) / total);
    const fullResult = await trainModel(base.model, table, {
      ...train,
      onEpoch: (m) => progress(`full fine-tuning epoch ${m.epoch + 1}/${o.epochs}`, 0.05 + (0.85 * (o.epochs + m.epoch + 1)) / total),
    });
    full = await score(fullResult.model, rows, testIds, input.name);
  }
  cancelled(opts.signal);
  progress('scoring on the held-out rows', 0.9);
  const [before, after] = [await score(base.model, rows, testIds, input.name), await score(trained.model, rows, testIds, input.name)];
  const options = { targets: o.targets, rank: o.rank, alpha: o.alpha, dropout: o.dropout, rslora: o.rslora ?? false, seed: o.seed };
  const adapter = extractAdapter(trained.model, lora.adapters, { sha256: base.sha256, ref: base.version ? base.label : undefined }, options);
  const opset = Number((base.model.opsetImport ?? []).find((e) => !e.domain)?.version ?? 17);
  const bytes = encodeModel(adapterModel(adapter, opset));
  const trainable = lora.trainable.reduce((n, name) => n + adapter.tensors.get(name)!.length, 0);
  const parameters = { trainable, total: floatParameters(base.model) + trainable };
  const settings: Record<string, ParamValue> = {
    targets: o.targets, rank: o.rank, alpha: o.alpha, scale: loraScale(o), dropout: o.dropout, rslora: o.rslora ?? false,
    epochs: o.epochs, lr: o.lr, batch_size: o.batchSize, seed: o.seed, weights: lora.adapters.map((a) => a.weight),
  };
  const name = before.name;
  const metrics: Record<string, number> = {
    [name]: after.value,
    [`${name}_base`]: before.value,
    ...(full ? { [`${name}_full`]: full.value } : {}),
    trainable_parameters: parameters.trainable,
    total_parameters: parameters.total,
    trainable_fraction: parameters.trainable / parameters.total,
    adapter_bytes: bytes.length,
  };
  const result: LoraTrainResult = {
    base: base.label,
    dataset: rows.dataset ?? rows.file,
    rows: { train: trainIds.length, test: testIds.length },
    adapters: lora.adapters,
    parameters,
    adapterBytes: bytes.length,
    task: { name, base: before.value, lora: after.value, full: full?.value },
    history: trained.history,
    settings,
    metrics: Object.fromEntries(Object.entries(metrics).map(([k, v]) => [k, Number.isFinite(v) ? v : Number.MAX_VALUE])),
  };
  cancelled(opts.signal);
  progress('saving the adapter', 0.95);
  if (register && base.version) {
    const adapterName = request.name ?? `${base.version.name}-lora`;
    result.version = await registerModelBytes(
      layout,
      bytes,
      `${adapterName}.lora.onnx`,
      {
        name: adapterName,
        kind: 'adapter',
        parent: base.label,
        technique: 'lora',
        settings,
        metrics: result.metrics,
        run: request.run,
        datasets: rows.dataset ? [rows.dataset] : undefined,
        message: `LoRA adapter of ${base.label} (rank ${o.rank}, ${lora.adapters.length} weight(s)) trained on ${result.dataset}`,
      },
      { log: opts.log },
    );
  }
  if (request.output) {
    result.output = path.resolve(cwd, request.output);
    await writeFileAtomic(result.output, bytes);
  }
  if (request.mergedOutput) {
    result.mergedOutput = path.resolve(cwd, request.mergedOutput);
    await writeFileAtomic(result.mergedOutput, encodeModel(mergeLora(base.model, adapter)));
  }
  progress('done', 1);
  return result;
}

export interface LoraMergeRequest {
  /** A registered adapter version (`name@ref`) or an adapter .onnx file. */
  adapter: string;
  /** The base (default: the one the adapter names). */
  base?: string;
  output: string;
  /** Register the merged model as a version of `name` (default false). */
  register?: boolean;
  /** Default: the base model's name. */
  name?: string;
  cwd?: string;
}

export interface LoraMergeResult {
  adapter: string;
  base: string;
  output: string;
  weights: string[];
  version?: RegisteredModel;
}

async function loadAdapterSource(layout: StoreLayout, given: string, cwd: string): Promise<{ adapter: LoraAdapter; label: string; version?: ModelVersion }> {
  const loaded = await loadVersionOrFile(layout, given, cwd);
  if (loaded.version && loaded.version.kind !== 'adapter') {
    throw new LatheError('not-an-adapter', `${loaded.label} is a model version, not a LoRA adapter`, { hint: 'pick a version registered by `lathe lora train` (kind adapter)' });
  }
  return { adapter: parseAdapter(loaded.model, loaded.label), label: loaded.label, version: loaded.version };
}

/** Write base + adapter as one model with the base's nodes (W' = W + scale·A·B); refuses an adapter of another base. */
export async function mergeLoraAdapter(layout: StoreLayout, request: LoraMergeRequest, opts: OperationOptions = {}): Promise<LoraMergeResult> {
  const cwd = request.cwd ?? layout.root;
  const source = await loadAdapterSource(layout, request.adapter, cwd);
  const baseRef = request.base ?? source.adapter.base.ref ?? source.version?.lineage.parent;
  if (!baseRef) {
    throw new LatheError('usage', `the adapter ${source.label} does not name a registered base`, { hint: 'pass the base model with --base <file.onnx|name@version>' });
  }
  const base = await loadVersionOrFile(layout, baseRef, cwd);
  checkAdapterBase(source.adapter, base.sha256, base.label, source.label);
  const merged = encodeModel(mergeLora(base.model, source.adapter));
  const output = path.resolve(cwd, request.output);
  await writeFileAtomic(output, merged);
  opts.log?.(`merged ${source.label} into ${base.label}: ${output}`);
  const result: LoraMergeResult = { adapter: source.label, base: base.label, output, weights: source.adapter.adapters.map((a) => a.weight) };
  if (request.register) {
    const name = request.name ?? base.version?.name ?? path.basename(output, '.onnx');
    result.version = await registerModel(
      layout,
      output,
      {
        name,
        parent: source.version ? source.label : base.version ? base.label : undefined,
        technique: 'lora-merge',
        settings: { adapter: source.label, base: base.label },
        // the task metrics the adapter was scored with hold for the merged model; its size metrics do not
        metrics: Object.fromEntries(Object.entries(source.version?.metrics ?? {}).filter(([k]) => /^(accuracy|mse)/.test(k))),
        message: `${base.label} with the LoRA adapter ${source.label} merged in`,
      },
      { log: opts.log },
    );
  }
  return result;
}
