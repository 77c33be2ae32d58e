import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { resolveRef as resolveDatasetRef } from '../data';
import { latheEvents, type OperationOptions } from '../events';
import { decodeModel, inspectModel, readModelBytes, type ValueSpec } from '../onnx';
import { isRunId, parseRunRecord, runPaths, type ParamValue } from '../runs/record';
import { readJson, writeJsonAtomic } from '../workspace/atomic';
import { putBlob } from '../workspace/blobs';
import { LatheError } from '../workspace/errors';
import type { StoreLayout } from '../workspace/layout';
import { withLock } from '../workspace/lock';
import { assertModelName, versionRef } from './names';
import { resolveModelRef } from './query';
import { modelPaths, readVersion, versionNumbers } from './store';
import type { ModelIo, ModelLineageInfo, ModelOnnxInfo, ModelVersion, RegisteredModel } from './types';

export interface RegisterOptions {
  name: string;
  /** A run id under .lathe/runs. Without `metrics`, the run's summary (last value of each metric) is recorded. */
  run?: string;
  /** Any reference to an existing version (an alias too); recorded as the concrete `name@vK`. */
  parent?: string;
  technique?: string;
  settings?: Record<string, ParamValue>;
  metrics?: Record<string, number>;
  /** Dataset references (`name`, `name@latest`, `name@vK`); each must exist and is recorded as `name@vK`. */
  datasets?: string[];
  message?: string;
  /** Set for a LoRA adapter, which is not a model of its own. */
  kind?: 'adapter';
}

function io(spec: ValueSpec): ModelIo {
  return { name: spec.name, type: spec.elemType, shape: spec.shape, ...(spec.kind ? { kind: spec.kind } : {}) };
}

/** Read and check the file completely before anything is stored: a bad file writes nothing. */
async function readOnnx(file: string): Promise<{ bytes: Uint8Array; info: ModelOnnxInfo }> {
  const bytes = await readModelBytes(file);
  const inspection = inspectModel(decodeModel(bytes, file));
  if (inspection.externalData) {
    // the registry stores one file per version: weights left outside it would be lost
    throw new LatheError('external-data', `${file} keeps ${inspection.externalData.tensors} tensor(s) in external files (${inspection.externalData.files.join(', ')})`, {
      file,
      hint: 'save the model as a single file (e.g. onnx.save_model(m, path, save_as_external_data=False)) and register that',
    });
  }
  return {
    bytes,
    info: {
      irVersion: inspection.irVersion,
      opsets: Object.fromEntries(inspection.opsets.map((o) => [o.domain, o.version])),
      producer: inspection.producer,
      inputs: inspection.inputs.map(io),
      outputs: inspection.outputs.map(io),
      parameterCount: inspection.parameterCount,
      nodeCount: Object.values(inspection.opCounts).reduce((a, b) => a + b, 0),
      ops: inspection.opCounts,
    },
  };
}

/** The run's last metric values; the run must exist. */
async function runSummary(layout: StoreLayout, run: string): Promise<Record<string, number>> {
  if (!isRunId(run)) throw new LatheError('invalid-ref', `invalid run id '${run}'`, { hint: 'see `lathe runs list` for run ids' });
  const file = runPaths(layout, run).record;
  try {
    return parseRunRecord(await readJson(file, 'run record'), file).summary ?? {};
  } catch (e) {
    if (e instanceof LatheError && e.code === 'not-found') {
      throw new LatheError('not-found', `run '${run}' does not exist (no ${file})`, { file, hint: 'pass the id of a run under .lathe/runs' });
    }
    throw e;
  }
}

function checkMetrics(metrics: Record<string, number>): Record<string, number> {
  for (const [key, value] of Object.entries(metrics)) {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new LatheError('usage', `metric '${key}' must be a finite number, got ${JSON.stringify(value)}`);
    }
  }
  return metrics;
}

async function lineageFor(layout: StoreLayout, options: RegisterOptions): Promise<ModelLineageInfo> {
  const datasets: string[] = [];
  for (const ref of options.datasets ?? []) {
    const d = await resolveDatasetRef(layout, ref);
    datasets.push(`${d.name}@v${d.version}`);
  }
  const parent = options.parent ? await resolveModelRef(layout, options.parent) : undefined;
  return {
    run: options.run,
    datasets: datasets.length ? datasets : undefined,
    parent: parent ? versionRef(parent.name, parent.version) : undefined,
    technique: options.technique || undefined,
    settings: options.settings && Object.keys(options.settings).length ? options.settings : undefined,
  };
}

/**
 * Register an ONNX file as the next version of `options.name`: the bytes go to the content-addressed cache,
 * a `v<N>.json` record describes them. Registering the bytes the latest version already holds returns that
 * version (`created: false`) instead of adding a copy.
 */
export async function registerModel(
  layout: StoreLayout,
  file: string,
  options: RegisterOptions,
  opts: OperationOptions = {},
): Promise<RegisteredModel> {
  assertModelName(options.name);
  const lineage = await lineageFor(layout, options);
  const runMetrics = options.run ? await runSummary(layout, options.run) : {};
  const metrics = checkMetrics(options.metrics ?? runMetrics);
  opts.onProgress?.({ message: `reading ${path.basename(file)}` });
  const { bytes, info } = await readOnnx(file);
  if (opts.signal?.aborted) throw new LatheError('cancelled', `registering ${file} was cancelled`, { file });
  opts.onProgress?.({ message: 'storing in the cache' });
  const blob = await putBlob(layout, bytes);
  const paths = modelPaths(layout, options.name);
  const result = await withLock(paths.lock, async (): Promise<RegisteredModel> => {
    const numbers = await versionNumbers(layout, options.name);
    const last = numbers[numbers.length - 1];
    if (last !== undefined) {
      const latest = await readVersion(layout, options.name, last);
      if (latest.file.sha256 === blob.sha256) return { ...latest, created: false };
    }
    const record: ModelVersion = {
      schema: 1,
      name: options.name,
      version: (last ?? 0) + 1,
      ...(options.kind ? { kind: options.kind } : {}),
      createdAt: new Date().toISOString(),
      message: options.message || undefined,
      file: { sha256: blob.sha256, size: blob.size, originalName: path.basename(file) },
      onnx: info,
      metrics,
      lineage,
    };
    await writeJsonAtomic(paths.version(record.version), record);
    return { ...record, created: true };
  });
  if (result.created) {
    opts.log?.(`registered ${versionRef(result.name, result.version)} (${blob.sha256.slice(0, 12)})`);
    latheEvents.emit({ type: 'model-changed', root: layout.root, name: options.name });
  }
  return result;
}

/**
 * Register model bytes made in memory: written to a temp folder of their own, so the version keeps `fileName`
 * as its original name, then registered like a file.
 */
export async function registerModelBytes(
  layout: StoreLayout,
  bytes: Uint8Array,
  fileName: string,
  options: RegisterOptions,
  opts: OperationOptions = {},
): Promise<RegisteredModel> {
  await fs.mkdir(layout.tmp, { recursive: true });
  const dir = await fs.mkdtemp(path.join(layout.tmp, 'register-'));
  try {
    const file = path.join(dir, fileName);
    await fs.writeFile(file, bytes);
    return await registerModel(layout, file, options, opts);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
