import { onnx } from 'onnx-proto';
import { makeTensor } from '../onnx';
import { LatheError } from '../workspace/errors';
import { cloneModel, ensureDomain, finishModel, GraphIndex, mainGraph, nodeId, subgraphNodes } from './graph';
import { type Int4Blocks, int4Kernel } from './int4Kernel';

export interface Int4Options {
  /** Weights per scale along K: 32 (default), 64 or 128 (any power of two from 16). */
  blockSize?: number;
  /** Symmetric blocks (zero point 8, none stored; default) or asymmetric with a zero point per block. */
  symmetric?: boolean;
  /** MatMulNBits accuracy_level: 0 (default, unset) or 1-4; 4 computes in int8, usually fastest on CPU. */
  accuracyLevel?: number;
  /** Node names (or first outputs) left in float. */
  exclude?: readonly string[];
}

export interface Int4Report {
  quantized: { node: string; weight: string; shape: [number, number] }[];
  skipped: { node: string; reason: string }[];
}

/**
 * A [K, N] weight quantized to 4 bits per column in blocks of `blockSize` along K, laid out as MatMulNBits
 * reads it: B [N, blocks, blockSize/2] (two values a byte, low nibble first), scales [N, blocks], zero
 * points [N, ceil(blocks/2)] packed likewise (an odd block count leaves a spare nibble, 8 as in ORT); padding past K
 * stays 0 (MatMulNBits never reads it). Scales, zero points and rounding follow ORT's MLAS quantizer to the bit. The
 * loops are WebAssembly (int4.wat): as fast on the first call as later, where JavaScript spends the first warming up.
 */
export function quantizeBlocks4(data: Float32Array, k: number, n: number, blockSize: number, symmetric: boolean): Int4Blocks {
  return int4Kernel(data, k, n, blockSize, symmetric);
}

/**
 * int4 weight-only quantization: each MatMul with a 2-D float32 initializer weight becomes a com.microsoft
 * MatMulNBits (ONNX Runtime), activations stay float. The LLM case: smallest files, not faster on CPU.
 */
export function quantizeInt4(model: onnx.IModelProto, options: Int4Options = {}): { model: onnx.ModelProto; report: Int4Report } {
  const blockSize = options.blockSize ?? 32;
  const symmetric = options.symmetric ?? true;
  if (!Number.isInteger(Math.log2(blockSize)) || blockSize < 16) {
    throw new LatheError('invalid-option', `int4 block size ${blockSize} is not a power of two from 16`, { hint: 'use 32, 64 or 128' });
  }
  const out = cloneModel(model);
  const graph = mainGraph(out);
  const index = new GraphIndex(graph);
  const exclude = new Set(options.exclude ?? []);
  const report: Int4Report = { quantized: [], skipped: [] };
  graph.node = graph.node.map((node) => {
    if (node.opType !== 'MatMul' || node.domain) return node;
    const id = nodeId(node);
    const wName = node.input?.[1] ?? '';
    const w = index.floatWeight(wName);
    const reason = exclude.has(id)
      ? 'excluded by the caller'
      : !w
        ? 'its weight is not a float32 initializer (computed at run time)'
        : w.dims.length !== 2
          ? `its weight has rank ${w.dims.length}; only 2-D weights are quantized`
          : undefined;
    if (reason || !w) {
      report.skipped.push({ node: id, reason: reason ?? '' });
      return node;
    }
    const [k, n] = w.dims;
    const q = quantizeBlocks4(w.data, k, n, blockSize, symmetric);
    const names = { b: index.fresh(`${wName}_Q4`), s: index.fresh(`${wName}_scales`), z: index.fresh(`${wName}_zero_points`) };
    index.addInitializer(makeTensor(names.b, q.packed, [n, q.blocks, q.blob]));
    index.addInitializer(makeTensor(names.s, q.scales, [n, q.blocks]));
    if (!symmetric) index.addInitializer(makeTensor(names.z, q.zeroPoints, [n, q.zeroPoints.length / n]));
    const I = onnx.AttributeProto.AttributeType.INT;
    const attrs: Record<string, number> = { K: k, N: n, bits: 4, block_size: blockSize };
    if (options.accuracyLevel) attrs.accuracy_level = options.accuracyLevel;
    report.quantized.push({ node: id, weight: wName, shape: [k, n] });
    return onnx.NodeProto.create({
      opType: 'MatMulNBits',
      domain: 'com.microsoft',
      name: index.fresh(`${id}_Q4`),
      input: [node.input?.[0] ?? '', names.b, names.s, ...(symmetric ? [] : [names.z])],
      output: [node.output?.[0] ?? ''],
      attribute: Object.entries(attrs).map(([name, i]) => onnx.AttributeProto.create({ name, type: I, i })),
    });
  });
  for (const node of subgraphNodes(graph, ['MatMul'])) {
    report.skipped.push({ node: nodeId(node), reason: 'inside a subgraph (If/Loop/Scan body): left in float' });
  }
  if (report.quantized.length) ensureDomain(out, 'com.microsoft', 1);
  index.pruneInitializers();
  return { model: finishModel(out, 'int4 quantization'), report };
}
