import { onnx } from 'onnx-proto';
import { makeTensor } from '../onnx';
import { LatheError } from '../workspace/errors';
import { cloneModel, finishModel, floatAttr, GraphIndex, intAttr, mainGraph, nodeId, subgraphNodes } from './graph';
import { truncatedSvd } from './randomizedSvd';
import { singularValues } from './svd';

export interface LowRankOptions {
  /** Keep this many singular values per weight... */
  rank?: number;
  /** ...or the fewest whose squares hold this fraction (0-1] of the weight's energy (default 0.9). */
  energy?: number;
  /** Node names (or, for unnamed nodes, first output names) to leave as they are. */
  exclude?: readonly string[];
}

export interface LowRankReport {
  factorized: { node: string; op: string; shape: [number, number]; rank: number; energy: number }[];
  skipped: { node: string; op: string; reason: string }[];
}

/**
 * The rank a [k, n] weight gets under the options: the rank asked (at most min(k, n)), or the fewest singular
 * values whose squares hold the energy asked, found from the exact singular values (no vectors needed for that).
 */
function chooseRank(data: Float32Array, k: number, n: number, options: LowRankOptions): number {
  if (options.rank !== undefined) return Math.min(options.rank, k, n);
  const s = singularValues(data, k, n);
  const total = s.reduce((a, v) => a + v * v, 0);
  const target = (options.energy ?? 0.9) * total;
  let kept = 0;
  for (let r = 0; r < s.length; r++) {
    kept += s[r] * s[r];
    if (kept >= target * (1 - 1e-12)) return r + 1;
  }
  return s.length;
}

/** The weight as [K, N] with Gemm's transB and alpha applied, or why the node is left alone. */
function weightOf(node: onnx.INodeProto, index: GraphIndex): { data: Float32Array; k: number; n: number } | string {
  const w = index.floatWeight(node.input?.[1] ?? '');
  if (!w) return 'its weight is not a float32 initializer (computed at run time)';
  if (w.dims.length !== 2) return `its weight has rank ${w.dims.length}; only 2-D weights are factorized`;
  if (node.opType === 'MatMul') return { data: w.data, k: w.dims[0], n: w.dims[1] };
  if (intAttr(node, 'transA', 0) !== 0) return 'Gemm with transA=1 is not factorized';
  const transB = intAttr(node, 'transB', 0) !== 0;
  const alpha = floatAttr(node, 'alpha', 1);
  const [k, n] = transB ? [w.dims[1], w.dims[0]] : w.dims;
  const data = new Float32Array(k * n);
  for (let r = 0; r < k; r++) for (let c = 0; c < n; c++) data[r * n + c] = alpha * w.data[transB ? c * k + r : r * n + c];
  return { data, k, n };
}

/**
 * Low-rank factorisation: each MatMul/Gemm weight W [K, N] becomes A [K, r] · B [r, N] from its truncated SVD
 * (A = U·√S, B = √S·Vᵀ), run as two MatMuls (a Gemm keeps its bias on the second). Only where r·(K+N) < K·N,
 * so every factorized layer is smaller and cheaper.
 */
export function factorizeLowRank(model: onnx.IModelProto, options: LowRankOptions = {}): { model: onnx.ModelProto; report: LowRankReport } {
  if (options.rank !== undefined && (!Number.isInteger(options.rank) || options.rank < 1)) {
    throw new LatheError('invalid-option', `rank ${options.rank} is not a positive integer`, { hint: 'pass a rank such as 16, or an energy such as 0.9' });
  }
  if (options.energy !== undefined && !(options.energy > 0 && options.energy <= 1)) {
    throw new LatheError('invalid-option', `energy ${options.energy} is not in (0, 1]`, { hint: 'pass the fraction of squared singular values to keep, e.g. 0.9' });
  }
  const out = cloneModel(model);
  const graph = mainGraph(out);
  const index = new GraphIndex(graph);
  const exclude = new Set(options.exclude ?? []);
  const report: LowRankReport = { factorized: [], skipped: [] };
  graph.node = graph.node.flatMap((node) => {
    const op = node.opType ?? '';
    if (node.domain || (op !== 'MatMul' && op !== 'Gemm')) return [node];
    const id = nodeId(node);
    const w = exclude.has(id) ? 'excluded by the caller' : weightOf(node, index);
    if (typeof w === 'string') {
      report.skipped.push({ node: id, op, reason: w });
      return [node];
    }
    const r = chooseRank(w.data, w.k, w.n, options);
    if (r * (w.k + w.n) >= w.k * w.n) {
      report.skipped.push({ node: id, op, reason: `rank ${r} of a ${w.k}×${w.n} weight would not make it smaller` });
      return [node];
    }
    // only the kept singular vectors are computed: a full SVD of a large weight took seconds
    const d = truncatedSvd(w.data, w.k, w.n, r);
    const a = new Float32Array(w.k * r);
    const b = new Float32Array(r * w.n);
    for (let j = 0; j < r; j++) {
      const root = Math.sqrt(d.s[j]);
      for (let i = 0; i < w.k; i++) a[i * r + j] = d.u[i * d.k + j] * root;
      for (let i = 0; i < w.n; i++) b[j * w.n + i] = d.v[i * d.k + j] * root;
    }
    const total = w.data.reduce((acc, v) => acc + v * v, 0);
    const energy = total === 0 ? 1 : Math.min(1, d.s.reduce((acc, v) => acc + v * v, 0) / total);
    report.factorized.push({ node: id, op, shape: [w.k, w.n], rank: r, energy });
    const base = node.input?.[1] ?? id;
    const [aName, bName, hidden] = [index.fresh(`${base}_lowrank_a`), index.fresh(`${base}_lowrank_b`), index.fresh(`${node.output?.[0]}_lowrank`)];
    index.addInitializer(makeTensor(aName, a, [w.k, r]));
    index.addInitializer(makeTensor(bName, b, [r, w.n]));
    const first = onnx.NodeProto.create({ opType: 'MatMul', name: index.fresh(`${id}_lowrank_a`), input: [node.input?.[0] ?? '', aName], output: [hidden] });
    const bias = op === 'Gemm' ? node.input?.[2] : undefined;
    const second = bias
      ? onnx.NodeProto.create({
          opType: 'Gemm',
          name: index.fresh(`${id}_lowrank_b`),
          input: [hidden, bName, bias],
          output: node.output,
          attribute: (node.attribute ?? []).filter((x) => x.name === 'beta'),
        })
      : onnx.NodeProto.create({ opType: 'MatMul', name: index.fresh(`${id}_lowrank_b`), input: [hidden, bName], output: node.output });
    return [first, second];
  });
  for (const node of subgraphNodes(graph, ['MatMul', 'Gemm'])) {
    report.skipped.push({ node: nodeId(node), op: node.opType ?? '', reason: 'inside a subgraph (If/Loop/Scan body): left as it is' });
  }
  index.pruneInitializers();
  return { model: finishModel(out, 'low-rank factorisation'), report };
}
