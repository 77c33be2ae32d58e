import { onnx } from 'onnx-proto';
import { irVersionFor, valueInfo } from '../onnx/builder';
import { elemTypeName } from '../onnx/dtypes';
import { decodeModel, encodeModel, readModelBytes } from '../onnx/model';
import { makeTensor, readTensor, tensorDims, type TensorData } from '../onnx/tensor';
import { writeFileAtomic } from '../workspace/atomic';
import { LatheError } from '../workspace/errors';
import type { LoraAdapterSpec, LoraOptions } from './inject';

/** The metadata key of an adapter file: its JSON header (see LoraAdapter). */
export const ADAPTER_KEY = 'lathe.lora';
export const ADAPTER_PRODUCER = 'lathe-lora';

export type AdapterArray = Float32Array | Float64Array;

/**
 * A LoRA adapter apart from its base. On disk it is an ONNX model with no nodes: the A/B tensors are its
 * initializers (and graph outputs, so any ONNX tool opens it), and the metadata property `lathe.lora` holds
 * {schema, base, options, adapters} as JSON. The base is named by the sha256 of its ONNX file bytes.
 */
export interface LoraAdapter {
  base: { sha256: string; /** `name@vK` when the base is a registered version. */ ref?: string };
  options: Omit<LoraOptions, 'seed'> & { seed?: number };
  adapters: LoraAdapterSpec[];
  /** A and B values by name. */
  tensors: Map<string, AdapterArray>;
  /** [in, r] / [r, out] by name. */
  dims: Map<string, number[]>;
}

interface Header {
  schema: 1;
  base: LoraAdapter['base'];
  options: LoraAdapter['options'];
  adapters: LoraAdapterSpec[];
}

/** The adapter as a node-less ONNX model (opset of the base, so the registry and tools read it like a model). */
export function adapterModel(adapter: LoraAdapter, opset = 17): onnx.ModelProto {
  const header: Header = { schema: 1, base: adapter.base, options: adapter.options, adapters: adapter.adapters };
  const graph = onnx.GraphProto.create({ name: 'lora_adapter' });
  for (const spec of adapter.adapters) {
    for (const name of [spec.a, spec.b]) {
      const data = adapter.tensors.get(name)!;
      const dims = adapter.dims.get(name)!;
      graph.initializer.push(makeTensor(name, data as TensorData, dims));
      graph.output.push(valueInfo(name, data instanceof Float64Array ? 'float64' : 'float32', dims));
    }
  }
  return onnx.ModelProto.create({
    irVersion: irVersionFor(opset),
    opsetImport: [{ domain: '', version: opset }],
    producerName: ADAPTER_PRODUCER,
    graph,
    metadataProps: [{ key: ADAPTER_KEY, value: JSON.stringify(header) }],
  });
}

function notAdapter(file: string, why: string): LatheError {
  return new LatheError('not-an-adapter', `${file} is not a LoRA adapter: ${why}`, {
    file,
    hint: 'pass an adapter written by `lathe lora train` (a registered adapter version or its .onnx file)',
  });
}

/** Read an adapter from its ONNX form; `file` names it in errors. */
export function parseAdapter(model: onnx.IModelProto, file: string): LoraAdapter {
  const text = (model.metadataProps ?? []).find((p) => p.key === ADAPTER_KEY)?.value;
  if (!text) throw notAdapter(file, `it has no '${ADAPTER_KEY}' metadata`);
  let header: Header;
  try {
    header = JSON.parse(text) as Header;
  } catch (e) {
    throw notAdapter(file, `its '${ADAPTER_KEY}' metadata is not JSON (${(e as Error).message})`);
  }
  if (header?.schema !== 1 || typeof header.base?.sha256 !== 'string' || !Array.isArray(header.adapters)) {
    throw notAdapter(file, `its '${ADAPTER_KEY}' metadata is not a schema 1 adapter header`);
  }
  const byName = new Map((model.graph?.initializer ?? []).map((t) => [t.name ?? '', t]));
  const tensors = new Map<string, AdapterArray>();
  const dims = new Map<string, number[]>();
  for (const spec of header.adapters) {
    for (const name of [spec.a, spec.b]) {
      const t = byName.get(name);
      if (!t || !['float32', 'float64'].includes(elemTypeName(t.dataType ?? 0))) throw notAdapter(file, `tensor '${name}' is missing or not float`);
      tensors.set(name, readTensor(t).data as AdapterArray);
      dims.set(name, tensorDims(t));
    }
  }
  return { base: header.base, options: header.options, adapters: header.adapters, tensors, dims };
}

export async function saveAdapter(adapter: LoraAdapter, file: string, opset?: number): Promise<void> {
  await writeFileAtomic(file, encodeModel(adapterModel(adapter, opset)));
}

export async function loadAdapter(file: string): Promise<LoraAdapter> {
  return parseAdapter(decodeModel(await readModelBytes(file), file), file);
}

/** Refuse an adapter trained on other base bytes: its deltas would be added to weights they were not fitted to. */
export function checkAdapterBase(adapter: LoraAdapter, baseSha256: string, baseLabel: string, adapterLabel: string): void {
  if (adapter.base.sha256 === baseSha256) return;
  throw new LatheError('adapter-mismatch', `the adapter ${adapterLabel} was trained on a different base model than ${baseLabel}`, {
    hint: `it needs the base with sha256 ${adapter.base.sha256.slice(0, 12)}…${adapter.base.ref ? ` (${adapter.base.ref})` : ''}; ${baseLabel} is ${baseSha256.slice(0, 12)}…`,
  });
}

/** The adapter part of an applied LoRA model (e.g. after training): its A/B initializers and their specs. */
export function extractAdapter(model: onnx.IModelProto, adapters: readonly LoraAdapterSpec[], base: LoraAdapter['base'], options: LoraAdapter['options']): LoraAdapter {
  const byName = new Map((model.graph?.initializer ?? []).map((t) => [t.name ?? '', t]));
  const tensors = new Map<string, AdapterArray>();
  const dims = new Map<string, number[]>();
  for (const spec of adapters) {
    for (const name of [spec.a, spec.b]) {
      const t = byName.get(name);
      if (!t) throw new LatheError('not-found', `the LoRA model has no adapter tensor '${name}'`);
      tensors.set(name, readTensor(t).data as AdapterArray);
      dims.set(name, tensorDims(t));
    }
  }
  return { base, options, adapters: [...adapters], tensors, dims };
}
