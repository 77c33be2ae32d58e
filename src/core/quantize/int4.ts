import { onnx } from 'onnx-proto';
import { makeTensor } from '../onnx';
import { LatheError } from '../workspace/errors';
import { cloneModel, ensureDomain, finishModel, GraphIndex, mainGraph, nodeId, subgraphNodes } from './graph';

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

/** round-half-away-from-zero, as C's roundf in ONNX Runtime's block quantizer. */
const roundf = (x: number) => Math.sign(x) * Math.round(Math.abs(x));

/**
 * A [K, N] weight quantized to 4 bits per column in blocks of `blockSize` along K, laid out as MatMulNBits
 * reads it: B [N, blocks, blockSize/2] (two values a byte, low nibble first), scales [N, blocks], zero
 * points [N, ceil(blocks/2)] packed likewise; padding past K stays 0 (MatMulNBits never reads it). Scales and zero
 * points follow ORT's MLAS quantizer.
 */
export function quantizeBlocks4(data: Float32Array, k: number, n: number, blockSize: number, symmetric: boolean) {
  const blocks = Math.ceil(k / blockSize);
  const blob = blockSize / 2;
  const packed = new Uint8Array(n * blocks * blob);
  const scales = new Float32Array(n * blocks);
  const zpBytes = Math.ceil(blocks / 2);
  const zeroPoints = new Uint8Array(n * zpBytes);
  // one column at a time, contiguous: reading the columns of the row-major weight in place misses the cache
  const column = new Float32Array(k);
  for (let col = 0; col < n; col++) {
    for (let r = 0, i = col; r < k; r++, i += n) column[r] = data[i];
    // an odd block count leaves a spare nibble, which ORT fills with the default zero point 8
    if (blocks % 2) zeroPoints[col * zpBytes + zpBytes - 1] = 0x80;
    for (let b = 0; b < blocks; b++) {
      const start = b * blockSize;
      const end = Math.min(k, start + blockSize);
      let lo = 0;
      let hi = 0;
      for (let r = start; r < end; r++) {
        const v = column[r];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      let scale: number;
      let zp: number;
      if (symmetric) {
        // the value of largest magnitude maps to -8 (ORT's MLAS range2scale)
        scale = Math.fround((Math.abs(hi) > Math.abs(lo) ? hi : lo) / -8);
        zp = 8;
      } else {
        // float32 arithmetic step by step, as MLAS computes it, so scales match to the bit
        scale = Math.fround(Math.fround(hi - lo) / 15);
        zp = scale === 0 ? 0 : Math.min(15, Math.max(0, roundf(Math.fround(-Math.fround(lo / scale)))));
      }
      const reciprocal = scale === 0 ? 0 : Math.fround(1 / scale);
      scales[col * blocks + b] = scale;
      zeroPoints[col * zpBytes + (b >> 1)] |= zp << ((b & 1) * 4);
      const base = (col * blocks + b) * blob;
      for (let r = start; r < end; r++) {
        // C's roundf (half away from zero); below zero the value clamps to 0 either way, so floor(x + 0.5) does
        const q = Math.floor(Math.fround(Math.fround(column[r] * reciprocal) + zp) + 0.5);
        const i = r - start;
        packed[base + (i >> 1)] |= (q < 0 ? 0 : q > 15 ? 15 : q) << ((i & 1) * 4);
      }
    }
  }
  return { packed, scales, zeroPoints, blocks, blob };
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
