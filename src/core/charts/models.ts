import type { LineageGraph, LineageGraphEdge, LineageGraphNode, ModelBar, ModelsData } from '../../shared/messages';
import { modelLineage, resolveModelRef, versionRef, type LineageNode, type LineageRun, type ModelVersion } from '../registry';
import type { StoreLayout } from '../workspace/layout';
import { toCsv } from './csv';

const LATENCY_METRICS = ['latency_ms', 'latency_p50_ms'];
const ACCURACY_METRICS = ['accuracy', 'acc', 'top1', 'top1_accuracy', 'val_accuracy', 'val_acc'];

/** The first of the preferred names a version has, else the first (sorted) metric matching `pattern`. */
function pickMetric(metrics: Record<string, number>, preferred: string[], pattern: RegExp): string | null {
  return preferred.find((m) => typeof metrics[m] === 'number') ?? Object.keys(metrics).sort().find((m) => pattern.test(m)) ?? null;
}

/** A version's bars: size, parameters, latency and accuracy (null where it recorded no such metric). */
export function modelBar(v: ModelVersion): ModelBar {
  const latencyMetric = pickMetric(v.metrics, LATENCY_METRICS, /latency/i);
  const accuracyMetric = pickMetric(v.metrics, ACCURACY_METRICS, /acc|top1/i);
  return {
    ref: versionRef(v.name, v.version),
    technique: v.lineage.technique ?? null,
    sizeBytes: v.file.size,
    parameterCount: v.onnx.parameterCount,
    latencyMs: latencyMetric ? v.metrics[latencyMetric] : null,
    latencyMetric,
    accuracy: accuracyMetric ? v.metrics[accuracyMetric] : null,
    accuracyMetric,
  };
}

type GraphNode = Omit<LineageGraphNode, 'layer' | 'order'>;

/**
 * Layered layout of a small DAG (Sugiyama-style, without dummy nodes): a node's layer is the longest path to it from
 * a source, and the order inside each layer is refined by a few barycentre sweeps down and up to reduce crossings.
 * Edges closing a cycle (only hand-edited records make one) are ignored for layering.
 */
export function layoutGraph(nodes: GraphNode[], edges: LineageGraphEdge[]): LineageGraph {
  const ids = nodes.map((n) => n.id);
  const layer = new Map(ids.map((id) => [id, 0]));
  for (let pass = 0; pass < ids.length; pass++) {
    let moved = false;
    for (const e of edges) {
      const next = layer.get(e.from)! + 1;
      if (next > layer.get(e.to)! && next < ids.length) {
        layer.set(e.to, next);
        moved = true;
      }
    }
    if (!moved) break;
  }
  const layers = Math.max(0, ...layer.values()) + 1;
  const rows: string[][] = Array.from({ length: layers }, () => []);
  for (const id of ids) rows[layer.get(id)!].push(id);
  const position = new Map<string, number>();
  const index = () => rows.forEach((row) => row.forEach((id, i) => position.set(id, i)));
  index();
  const barycentre = (id: string, neighbours: string[]) => (neighbours.length ? neighbours.reduce((s, n) => s + position.get(n)!, 0) / neighbours.length : position.get(id)!);
  for (let sweep = 0; sweep < 4; sweep++) {
    const down = sweep % 2 === 0;
    const order = down ? rows.map((_, i) => i).slice(1) : rows.map((_, i) => i).slice(0, -1).reverse();
    for (const l of order) {
      const key = new Map(rows[l].map((id) => [id, barycentre(id, edges.filter((e) => (down ? e.to === id : e.from === id)).map((e) => (down ? e.from : e.to)))]));
      rows[l].sort((a, b) => key.get(a)! - key.get(b)!);
      index();
    }
  }
  return {
    nodes: nodes.map((n) => ({ ...n, layer: layer.get(n.id)!, order: position.get(n.id)! })),
    edges,
    layers,
  };
}

const modelId = (ref: string) => `model:${ref}`;

/**
 * The lineage graph of the chosen versions: every version they descend from or that derives from them (parent →
 * quantized/distilled/LoRA children), the runs that produced them and the dataset versions those were trained on.
 */
export function lineageGraph(versions: ModelVersion[], runs: Record<string, LineageRun>, selected: Set<string>, missing: string[] = []): LineageGraph {
  const nodes = new Map<string, GraphNode>();
  const edges = new Map<string, LineageGraphEdge>();
  const addEdge = (from: string, to: string, label: string) => edges.set(`${from}\u0000${to}`, { from, to, label });
  for (const ref of missing) nodes.set(modelId(ref), { id: modelId(ref), kind: 'model', label: ref, detail: 'not in the registry', selected: false, missing: true });
  for (const v of versions) {
    const ref = versionRef(v.name, v.version);
    const id = modelId(ref);
    nodes.set(id, { id, kind: 'model', label: ref, detail: v.lineage.technique ?? v.message ?? '', selected: selected.has(ref), missing: false });
    if (v.lineage.parent) addEdge(modelId(v.lineage.parent), id, v.lineage.technique ?? 'derived');
    const trainedBy = v.lineage.run ? `run:${v.lineage.run}` : id;
    if (v.lineage.run) {
      const run = runs[v.lineage.run];
      nodes.set(trainedBy, {
        id: trainedBy,
        kind: 'run',
        label: run?.name ?? v.lineage.run,
        detail: run?.exists ? run.status ?? '' : 'run deleted',
        selected: false,
        missing: !run?.exists,
      });
      addEdge(trainedBy, id, 'produced');
    }
    for (const dataset of v.lineage.datasets ?? []) {
      const did = `dataset:${dataset}`;
      nodes.set(did, { id: did, kind: 'dataset', label: dataset, detail: 'dataset version', selected: false, missing: false });
      addEdge(did, trainedBy, 'trained on');
    }
  }
  // a parent named by a version but outside the collected set (its chain was cut): shown as missing
  for (const e of edges.values()) {
    if (!nodes.has(e.from)) nodes.set(e.from, { id: e.from, kind: 'model', label: e.from.slice('model:'.length), detail: 'not in the registry', selected: false, missing: true });
  }
  const sorted = [...nodes.values()].sort((a, b) => a.kind.localeCompare(b.kind) || a.label.localeCompare(b.label, undefined, { numeric: true }));
  return layoutGraph(sorted, [...edges.values()]);
}

function flatten(nodes: LineageNode[]): ModelVersion[] {
  return nodes.flatMap((n) => [n.version, ...flatten(n.children)]);
}

/** The model versions panel's data: bars for the chosen versions, and the lineage graph around them. */
export async function modelsView(layout: StoreLayout, refs: string[]): Promise<ModelsData> {
  const chosen: ModelVersion[] = [];
  for (const ref of refs) {
    const v = await resolveModelRef(layout, ref);
    if (!chosen.some((c) => c.name === v.name && c.version === v.version)) chosen.push(v);
  }
  const all = new Map<string, ModelVersion>();
  const runs: Record<string, LineageRun> = {};
  const missing = new Set<string>();
  for (const v of chosen) {
    const lineage = await modelLineage(layout, versionRef(v.name, v.version));
    for (const version of [lineage.subject, ...lineage.ancestors, ...flatten(lineage.descendants)]) all.set(versionRef(version.name, version.version), version);
    Object.assign(runs, lineage.runs);
    if (lineage.missingAncestor) missing.add(lineage.missingAncestor);
  }
  const versions = chosen.map(modelBar);
  const warnings: string[] = [];
  const without = (key: 'latencyMs' | 'accuracy') => versions.filter((b) => b[key] === null).map((b) => b.ref);
  if (without('latencyMs').length) warnings.push(`no latency metric (latency_ms, latency_p50_ms) for ${without('latencyMs').join(', ')}`);
  if (without('accuracy').length) warnings.push(`no accuracy metric (accuracy, acc, top1) for ${without('accuracy').join(', ')}`);
  for (const ref of missing) warnings.push(`${ref} is named as a parent but is not in the registry`);
  return { versions, graph: lineageGraph([...all.values()], runs, new Set(versions.map((b) => b.ref)), [...missing]), warnings };
}

/** The compared versions as a table: what the bar charts show, with the metric each latency and accuracy came from. */
export function modelsCsv(models: ModelsData): string {
  return toCsv(
    ['version', 'technique', 'size_bytes', 'parameters', 'latency_ms', 'latency_metric', 'accuracy', 'accuracy_metric'],
    models.versions.map((b) => [b.ref, b.technique, b.sizeBytes, b.parameterCount, b.latencyMs, b.latencyMetric, b.accuracy, b.accuracyMetric]),
  );
}
