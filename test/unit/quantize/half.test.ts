import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { GraphBuilder } from '../../../src/core/onnx';
import { convertFloat16 } from '../../../src/core/quantize/fp16';
import { mainGraph } from '../../../src/core/quantize/graph';
import { toHalfArray } from '../../../src/core/quantize/half';

// Expected bits (and clamp counts) from the JavaScript conversions half.ts and fp16.ts had before half.wat, kept as
// literals.
const EDGE = Float32Array.from([
  NaN, -NaN, Infinity, -Infinity, 0, -0, 1e-45, -1e-45, 2 ** -25, Math.fround(2 ** -25 * (1 + 2 ** -23)), 2 ** -24, 1.5 * 2 ** -24,
  2.5 * 2 ** -24, 2 ** -14, Math.fround(2 ** -14 - 2 ** -26), 65504, 65519.99, 65520, 65536, 1e10, 1, 1 + 2 ** -11, 1 + 3 * 2 ** -11,
  -1.5, 0.1, 3.4e38, 5.96e-8, 5.9e-8, -6e-8,
]);
const EDGE_BITS = [
  0x7e00, 0x7e00, 0x7c00, 0xfc00, 0x0000, 0x8000, 0x0000, 0x8000, 0x0000, 0x0001, 0x0001, 0x0002, 0x0002, 0x0400, 0x0400, 0x7bff,
  0x7bff, 0x7c00, 0x7c00, 0x7c00, 0x3c00, 0x3c00, 0x3c02, 0xbe00, 0x2e66, 0x7c00, 0x0001, 0x0001, 0x8001,
];

/** 2^20 + 13 float32 bit patterns spread over all of them: every exponent, both signs, NaNs; several kernel calls and a tail. */
function bitSweep(): Float32Array<ArrayBuffer> {
  return new Float32Array(Uint32Array.from({ length: (1 << 20) + 13 }, (_, i) => Math.imul(i, 4099) >>> 0).buffer);
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

test('float16 bits of NaN, ±Inf, ±0, subnormals, ties, the largest half and overflow, at every length up to 29', () => {
  for (let n = 0; n <= EDGE.length; n++) assert.deepEqual([...toHalfArray(EDGE.subarray(0, n))], EDGE_BITS.slice(0, n), `length ${n}`);
});

test('float16 bits of a plain number array are those of the float32 values', () => {
  assert.deepEqual([...toHalfArray([...EDGE])], EDGE_BITS);
});

test('float16 bits of a sweep over float32 bit patterns are those of the JavaScript conversion', () => {
  assert.equal(sha256(new Uint8Array(toHalfArray(bitSweep()).buffer)), 'f19cd8663a0f7fca2ee2ea3562f79649b3681ab7e12705549d23d0fa21b31fda');
});

/** convertFloat16 of one weight: its float16 bytes and the clamp count. */
function convertWeight(values: Float32Array<ArrayBuffer>): { bytes: Uint8Array; clamped: number } {
  const n = values.length;
  const model = new GraphBuilder('w').input('x', 'float32', [n]).initializer('w', values, [n]).node('Add', ['x', 'w'], ['y']).output('y', 'float32', [n]).build();
  const { model: half, report } = convertFloat16(model);
  return { bytes: mainGraph(half).initializer[0].rawData!, clamped: report.clamped };
}

test('fp16 weights clamp overflow to ±65504 and tiny values to ±2^-24, keep NaN, ±Inf and ±0', () => {
  const values = Float32Array.from([NaN, Infinity, -Infinity, 0, -0, 1e-45, -1e-45, 2 ** -25, 65504, 65519.99, 65520, 1e10, -1e10, 3.4e38, 5.96e-8, 5.9e-8, -6e-8, 1, -1.5]);
  const { bytes, clamped } = convertWeight(values);
  assert.deepEqual(
    [...new Uint16Array(bytes.slice().buffer)],
    [0x7e00, 0x7c00, 0xfc00, 0x0000, 0x8000, 0x0001, 0x8001, 0x0001, 0x7bff, 0x7bff, 0x7bff, 0x7bff, 0xfbff, 0x7bff, 0x0001, 0x0001, 0x8001, 0x3c00, 0xbe00],
  );
  assert.equal(clamped, 9);
});

test('fp16 weights of a sweep over float32 bit patterns are those of the JavaScript conversion', () => {
  const { bytes, clamped } = convertWeight(bitSweep());
  assert.equal(clamped, 880779);
  assert.equal(sha256(bytes), 'a9b6691435239c9d0c282c960a5b6b39b68892edc81ea1f3b94c78285c299cf6');
});
