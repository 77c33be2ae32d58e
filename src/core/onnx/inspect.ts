import { onnx } from 'onnx-proto';
import { elemTypeName, type ElemType } from './dtypes';
import { externalDataFiles, externalDataRefs } from './external';
import { toNumber } from './long';
import { elementCount, tensorDims } from './tensor';
import { normalizeDomain } from './validate';
import { forEachGraph, storedTensors } from './walk';

/** A dimension: a fixed size, a named symbolic size ('batch'), or null when unknown. */
export type Dim = number | string | null;

export interface ValueSpec {
  name: string;
  elemType: ElemType | 'unknown';
  /** null when even the rank is unknown. */
  shape: Dim[] | null;
  /** Set for non-tensor values; elemType/shape then describe the element tensor. */
  kind?: 'sequence' | 'map' | 'optional' | 'sparse';
}

export interface ModelInspection {
  irVersion: number;
  opsets: { domain: string; version: number }[];
  producer: { name: string; version: string };
  graphName: string;
  /** Inputs a caller feeds (initializer-backed inputs are weights, not inputs). */
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  initializerCount: number;
  /** Elements of every tensor stored in the model (initializers and Constant nodes, subgraphs and external data included). */
  parameterCount: number;
  /** Node counts by op type, subgraphs included; ops outside ai.onnx are keyed `domain.Op`. */
  opCounts: Record<string, number>;
  hasSubgraphs: boolean;
  /** Present when tensors live in external files: how many and which files (relative to the model). */
  externalData?: { tensors: number; files: string[] };
}

function tensorSpec(type: onnx.TypeProto.ITensor | null | undefined): Pick<ValueSpec, 'elemType' | 'shape'> {
  return {
    elemType: elemTypeName(type?.elemType ?? 0),
    shape: type?.shape
      ? (type.shape.dim ?? []).map((d) => (d.dimValue !== null && d.dimValue !== undefined ? toNumber(d.dimValue) : d.dimParam || null))
      : null,
  };
}

function typeSpec(type: onnx.ITypeProto | null | undefined): Omit<ValueSpec, 'name'> {
  if (type?.sequenceType) return { ...typeSpec(type.sequenceType.elemType), kind: 'sequence' };
  if (type?.optionalType) return { ...typeSpec(type.optionalType.elemType), kind: 'optional' };
  if (type?.mapType) return { ...typeSpec(type.mapType.valueType), kind: 'map' };
  if (type?.sparseTensorType) return { ...tensorSpec(type.sparseTensorType), kind: 'sparse' };
  return tensorSpec(type?.tensorType);
}

function valueSpec(value: onnx.IValueInfoProto): ValueSpec {
  return { name: value.name ?? '', ...typeSpec(value.type) };
}

/** A summary of a model for the registry, the UI and `lathe model show`. Pure: reads only the proto. */
export function inspectModel(model: onnx.IModelProto): ModelInspection {
  const graph = model.graph ?? {};
  const initializerNames = new Set((graph.initializer ?? []).map((t) => t.name));
  const opCounts: Record<string, number> = {};
  let initializerCount = 0;
  let hasSubgraphs = false;
  forEachGraph(graph, (g, depth) => {
    if (depth > 0) hasSubgraphs = true;
    initializerCount += (g.initializer ?? []).length + (g.sparseInitializer ?? []).length;
    for (const node of g.node ?? []) {
      const domain = normalizeDomain(node.domain);
      const key = domain === 'ai.onnx' ? node.opType ?? '' : `${domain}.${node.opType}`;
      opCounts[key] = (opCounts[key] ?? 0) + 1;
    }
  });
  const external = externalDataRefs(model);
  return {
    irVersion: toNumber(model.irVersion),
    opsets: (model.opsetImport ?? []).map((o) => ({ domain: normalizeDomain(o.domain), version: toNumber(o.version) })),
    producer: { name: model.producerName ?? '', version: model.producerVersion ?? '' },
    graphName: graph.name ?? '',
    inputs: (graph.input ?? []).filter((v) => !initializerNames.has(v.name)).map(valueSpec),
    outputs: (graph.output ?? []).map(valueSpec),
    initializerCount,
    parameterCount: storedTensors(graph).reduce((n, t) => n + elementCount(tensorDims(t)), 0),
    opCounts,
    hasSubgraphs,
    externalData: external.length ? { tensors: external.length, files: externalDataFiles(model) } : undefined,
  };
}

/** The ai.onnx opset a model imports (0 when it imports none). */
export function coreOpset(model: onnx.IModelProto): number {
  const entry = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  return entry ? toNumber(entry.version) : 0;
}
