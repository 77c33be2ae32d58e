import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildMlp, inspectModel } from '../../../src/core/onnx';
import { evaluateModels } from '../../../src/core/quantize/evaluate';
import { quantizeBlocks4, quantizeInt4 } from '../../../src/core/quantize/int4';
import { prepareModel } from '../../../src/core/quantize/prepare';
import { LatheError } from '../../../src/core/workspace/errors';
import { buildTransformerBlock } from './models';

const quick = { runs: 2, warmup: 1 };

test('4-bit blocks: the largest magnitude maps to -8 (symmetric), zero is exact (asymmetric), padding left 0', () => {
  // K = 3, N = 1, block 16: one padded block
  const sym = quantizeBlocks4(Float32Array.from([2, -1, 0.5]), 3, 1, 16, true);
  assert.deepEqual([...sym.scales], [Math.fround(-0.25)]);
  const nibbles = (p: Uint8Array) => [...p].flatMap((b) => [b & 15, b >> 4]);
  assert.deepEqual(nibbles(sym.packed).slice(0, 3), [0, 12, 6]);
  assert.ok(nibbles(sym.packed).slice(3).every((q) => q === 0));
  const asym = quantizeBlocks4(Float32Array.from([2, -1, 0.5]), 3, 1, 16, false);
  assert.deepEqual([...asym.scales], [Math.fround(3 / 15)]);
  assert.equal(asym.zeroPoints[0], 0x85, 'zero point 5, the spare nibble 8');
  assert.deepEqual(nibbles(asym.packed).slice(0, 3), [15, 0, 8]);
});

/** The 4-bit values of column `col` of a quantizeBlocks4 result, K of them (padding excluded). */
function column(q: ReturnType<typeof quantizeBlocks4>, col: number, k: number): number[] {
  const bytes = q.packed.subarray(col * q.blocks * q.blob, (col + 1) * q.blocks * q.blob);
  return [...bytes].flatMap((b) => [b & 15, b >> 4]).slice(0, k);
}

/** A [K, N] row-major weight from its columns. */
function fromColumns(columns: number[][]): Float32Array {
  return Float32Array.from({ length: columns[0].length * columns.length }, (_, i) => columns[i % columns.length][Math.floor(i / columns.length)]);
}

test('4-bit blocks: NaN and infinite weights give the bytes the JavaScript kernel gave; N not a multiple of 4', () => {
  // symmetric, K = 4, N = 3; hand-computed with the former JS kernel's arithmetic
  const sym = quantizeBlocks4(fromColumns([[NaN, 1, -2, 0.5], [Infinity, 1, -2, NaN], [-Infinity, 3, 0, -1]]), 4, 3, 16, true);
  // a NaN never enters the range and quantizes to 0: scale -2/-8, 1/scale 4
  assert.deepEqual(column(sym, 0, 4), [0, 12, 0, 10]);
  // the largest magnitude is infinite: scale ∓Inf, 1/scale -0 or 0, finite values land on 8, infinite and NaN ones on 0
  assert.deepEqual([...sym.scales], [0.25, -Infinity, Infinity]);
  assert.deepEqual(column(sym, 1, 4), [0, 8, 8, 0]);
  assert.deepEqual(column(sym, 2, 4), [0, 8, 8, 8]);
  assert.deepEqual([...sym.zeroPoints], [0x88, 0x88, 0x88]);
  // a subnormal largest magnitude: 1/scale overflows to Inf, and v * Inf is ±Inf (or NaN for 0): all give 0
  const tiny = quantizeBlocks4(fromColumns([[-1e-44, 1.4e-45, 0]]), 3, 1, 16, true);
  assert.deepEqual([...tiny.scales], [Math.fround(1.4e-45)]);
  assert.deepEqual(column(tiny, 0, 3), [0, 0, 0]);
  // asymmetric: lo -Inf and scale Inf give a NaN zero point, stored as nibble 0, and every value quantizes to 0
  const asym = quantizeBlocks4(fromColumns([[-Infinity, 1, 2], [Infinity, 1, NaN]]), 3, 2, 16, false);
  assert.deepEqual([...asym.scales], [Infinity, Infinity]);
  assert.deepEqual(column(asym, 0, 3), [0, 0, 0]);
  assert.deepEqual([asym.zeroPoints[0] & 15, asym.zeroPoints[1] & 15], [0, 0]);
  // lo 0: zero point 0, and 1/scale 0 turns 1 into 0 (1 * 0 + 0)
  assert.deepEqual(column(asym, 1, 3), [0, 0, 0]);
});

test('4-bit blocks: rounding is half away from zero, exactly at .5 and just below it', () => {
  const below = Math.fround(0.5 - 2 ** -25); // 0.49999997: adding 0.5 in float32 would round it up to 1
  // asymmetric, lo 0 and hi 15: scale 1, zero point 0, so q is the value rounded
  const asym = quantizeBlocks4(fromColumns([[15, below, 0.5, 1.5, 2.5, 14.5]]), 6, 1, 16, false);
  assert.deepEqual([...asym.scales], [1]);
  assert.deepEqual(column(asym, 0, 6), [15, 0, 1, 2, 3, 15]);
  // symmetric, largest magnitude -4: scale 0.5, 1/scale 2; 8 ± 0.5 and 15.5 (clamped)
  const sym = quantizeBlocks4(fromColumns([[-4, 0.25, -0.25, -3.75, 3.75]]), 5, 1, 16, true);
  assert.deepEqual(column(sym, 0, 5), [0, 9, 8, 1, 15]);
  // the zero point rounds likewise: -lo/scale = 1.5 gives 2
  const zp = quantizeBlocks4(fromColumns([[-1.5, 13.5]]), 2, 1, 16, false);
  assert.deepEqual([...zp.scales], [1]);
  assert.equal(zp.zeroPoints[0], 0x82);
});

test('4-bit blocks: block sizes 16 and 128, K = 1, odd and even block counts, memory reused between weights', () => {
  const weight = (k: number, n: number, seed: number) => Float32Array.from({ length: k * n }, (_, i) => Math.sin(i * 12.9898 + seed) * 3);
  // K = 1: one value a column in the low nibble (itself the largest magnitude: 0, or 8 for 0), the rest of the block 0
  const one = quantizeBlocks4(Float32Array.from([-2, 0, 1]), 1, 3, 128, true);
  assert.deepEqual([one.blocks, one.blob, one.packed.length], [1, 64, 3 * 64]);
  assert.deepEqual([...one.scales], [0.25, -0, -0.125]); // 0 / -8
  assert.deepEqual([0, 1, 2].map((c) => one.packed[c * 64]), [0, 8, 0]);
  assert.ok([0, 1, 2].every((c) => one.packed.subarray(c * 64 + 1, (c + 1) * 64).every((b) => b === 0)));
  // an even block count has no spare nibble: the last zero point (0 here, the block being positive) is kept as is
  const even = quantizeBlocks4(Float32Array.from({ length: 32 }, (_, i) => (i < 16 ? -1 : 1)), 32, 1, 16, false);
  assert.deepEqual([...even.zeroPoints], [0x0f]);
  for (const [k, blockSize, blocks] of [[40, 16, 3], [48, 16, 3], [64, 16, 4], [130, 128, 2], [300, 128, 3]]) {
    const small = weight(k, 5, k);
    const first = quantizeBlocks4(small, k, 5, blockSize, false);
    assert.equal(first.blocks, blocks);
    assert.equal(first.zeroPoints.length, 5 * Math.ceil(blocks / 2));
    for (let c = 0; c < 5; c++) {
      // the spare nibble of an odd block count is 8
      if (blocks % 2) assert.equal(first.zeroPoints[c * Math.ceil(blocks / 2) + Math.floor(blocks / 2)] >> 4, 8);
      // a partial last block leaves whole bytes past K at 0
      const bytes = first.packed.subarray(c * blocks * first.blob, (c + 1) * blocks * first.blob);
      assert.ok(bytes.subarray(Math.ceil(k / 2)).every((b) => b === 0), `k ${k}: padding`);
      if (k % 2) assert.equal(bytes[(k - 1) >> 1] >> 4, 0, `k ${k}: the lone last row pairs with 0`);
    }
    // a larger weight in between leaves the kernel's memory dirty: the same weight gives the same bytes
    quantizeBlocks4(weight(512, 64, 1), 512, 64, blockSize, true);
    assert.deepEqual(quantizeBlocks4(small, k, 5, blockSize, false), first);
  }
});

test('int4 MatMulNBits runs in onnxruntime-node: block sizes 32/64/128, symmetric and not, K not a multiple of the block', async () => {
  const mlp = buildMlp({ inputSize: 200, hidden: [256], outputSize: 10, seed: 31 });
  for (const [blockSize, symmetric] of [[32, true], [64, false], [128, true]] as const) {
    const { model, report } = quantizeInt4(mlp, { blockSize, symmetric });
    assert.equal(report.quantized.length, 2);
    assert.equal(inspectModel(model).opCounts['com.microsoft.MatMulNBits'], 2);
    const ev = await evaluateModels(mlp, model, { batch: 8, ...quick });
    const [out] = ev.outputs;
    assert.ok(ev.size.ratio < 0.2, `block ${blockSize}: size ratio ${ev.size.ratio}`);
    assert.ok(out.cosine > 0.99, `block ${blockSize} symmetric=${symmetric}: cosine ${out.cosine}`);
    assert.ok(out.top1Agreement! >= 0.75, `block ${blockSize}: top-1 ${out.top1Agreement}`);
  }
  assert.throws(() => quantizeInt4(mlp, { blockSize: 48 }), LatheError);
});

test('int4 on a transformer block with accuracy level 4, excluding the head', async () => {
  const encoder = prepareModel(buildTransformerBlock({ seed: 32 })).model;
  const { model, report } = quantizeInt4(encoder, { accuracyLevel: 4, exclude: ['head.matmul'] });
  assert.equal(report.quantized.length, 6);
  assert.deepEqual(report.skipped.map((s) => s.reason).sort(), [
    'excluded by the caller',
    'its weight is not a float32 initializer (computed at run time)',
    'its weight is not a float32 initializer (computed at run time)',
  ]);
  const [out] = (await evaluateModels(encoder, model, { batch: 2, ...quick })).outputs;
  assert.ok(out.cosine > 0.99, `cosine ${out.cosine}`);
});
