// IEEE 754 binary16 conversions (Node 20 has no Float16Array): ONNX float16 tensors hold these bits as uint16.
import { LatheError } from '../workspace/errors';
import { HALF_WASM } from './half.wasm';
import { wasmKernel } from './wasmKernel';

type ToHalf = (src: number, dst: number, n: number, max: number, tiny: number) => number;

const kernel = wasmKernel<{ toHalf: ToHalf }>(HALF_WASM);
/** Values per kernel call (its memory holds a chunk and its float16 bits: 384 kB). */
const CHUNK = 65536;

/** Float32 bit patterns of |x|: finite values above `max` become ±65504 (float16's largest), non-zero ones below `tiny` ±2^-24 (its smallest). */
export interface HalfClamp {
  max: number;
  tiny: number;
}

/** |x| is never above Infinity's bits and finite, nor below 0. */
const NO_CLAMP: HalfClamp = { max: 0x7f800000, tiny: 0 };

/**
 * The float16 bits nearest to `values` (as float32) into `bits` (round to nearest even; overflow gives ±Infinity,
 * NaN stays NaN) or, with `clamp`, clamped into float16's range. Returns how many values were clamped.
 */
export function toHalfInto(values: ArrayLike<number>, bits: Uint16Array, clamp = NO_CLAMP): number {
  const chunk = Math.min(values.length, CHUNK);
  // the kernel takes four values at a time: room for a chunk rounded up
  const dstAt = (chunk + 4) * 4;
  const { memory, toHalf } = kernel(dstAt + (chunk + 4) * 2, (cause) => new LatheError('out-of-memory', 'not enough memory to convert a tensor to float16', { hint: 'close other programs and try again', cause }));
  const src = new Float32Array(memory.buffer, 0, chunk);
  const dst = new Uint16Array(memory.buffer, dstAt, chunk);
  let clamped = 0;
  for (let from = 0; from < values.length; from += CHUNK) {
    const n = Math.min(CHUNK, values.length - from);
    src.set(ArrayBuffer.isView(values) ? (values as Float32Array | Float64Array).subarray(from, from + n) : (Array.prototype.slice.call(values, from, from + n) as number[]));
    clamped += toHalf(0, dstAt, n, clamp.max, clamp.tiny);
    bits.set(n === chunk ? dst : dst.subarray(0, n), from);
  }
  return clamped;
}

/** The float16 bits nearest to `value` (round to nearest even; overflow gives ±Infinity, NaN stays NaN). */
export function toHalfBits(value: number): number {
  return toHalfArray([value])[0];
}

export function fromHalfBits(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

export function toHalfArray(values: ArrayLike<number>): Uint16Array<ArrayBuffer> {
  const bits = new Uint16Array(values.length);
  toHalfInto(values, bits);
  return bits;
}

export function fromHalfArray(bits: Uint16Array): Float32Array<ArrayBuffer> {
  return Float32Array.from(bits, fromHalfBits);
}
