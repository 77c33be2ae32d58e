import { LatheError } from '../workspace/errors';
import type { Floats } from './graph';
import { INT8_WASM } from './int8.wasm';
import { wasmKernel } from './wasmKernel';

const ROUNDER = 2 ** 52 + 2 ** 51;

/** numpy's round (half to even), which ORT's quantizer uses: the same weights give the same int8 values. */
export function roundHalfEven(x: number): number {
  // adding and taking away 1.5·2^52 leaves x rounded to an integer, half to even, by the float addition itself
  // (exact below 2^51 in magnitude, and several times faster than Math.round plus a correction)
  if (Math.abs(x) < 2 ** 51) return x + ROUNDER - ROUNDER || x * 0; // x * 0 keeps numpy's -0 for -0.5
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export type WeightType = 'int8' | 'uint8';

export interface QuantizedWeight {
  values: Int8Array<ArrayBuffer> | Uint8Array<ArrayBuffer>;
  /** One scale (per tensor) or one per column (per channel). */
  scales: Floats;
  zeroPoints: Int8Array<ArrayBuffer> | Uint8Array<ArrayBuffer>;
}

const FLOAT32_TINY = 1.1754943508222875e-38;

/**
 * Scale and zero point for values in [lo, hi] onto integers [qmin, qmax], as ORT's compute_scale_zp computes
 * them: the range always holds 0; symmetric ranges become [-absmax, absmax] with the zero point in the middle.
 * Ranges are float32 and the division float64 before the scale is stored as float32, as there.
 */
export function computeScaleZeroPoint(lo: number, hi: number, qmin: number, qmax: number, symmetric: boolean): { scale: number; zeroPoint: number } {
  let rmin = Math.fround(Math.min(lo, 0));
  let rmax = Math.fround(Math.max(hi, 0));
  if (symmetric) {
    const absmax = Math.max(Math.abs(rmin), Math.abs(rmax));
    [rmin, rmax] = [-absmax, absmax];
  }
  const scale = Math.fround(rmax - rmin) / (qmax - qmin);
  if (scale < FLOAT32_TINY) return { scale: 1, zeroPoint: 0 };
  const zeroPoint = symmetric ? roundHalfEven((qmin + qmax) / 2) : roundHalfEven(qmin - rmin / scale);
  // + 0 turns a rounded -0 into 0
  return { scale: Math.fround(scale), zeroPoint: zeroPoint + 0 };
}

/** Weights: int8 symmetric over [-127, 127] (zero point 0), uint8 asymmetric over [0, 255], as ORT. */
function scaleAndZeroPoint(lo: number, hi: number, type: WeightType): { scale: number; zeroPoint: number } {
  return type === 'int8' ? computeScaleZeroPoint(lo, hi, -127, 127, true) : computeScaleZeroPoint(lo, hi, 0, 255, false);
}

type Widen = (data: number, n: number, lo: number, hi: number, period: number) => void;
type Quantize = (data: number, n: number, scales: number, zeroPoints: number, period: number, qmin: number, qmax: number, unsigned: number, out: number) => void;

const kernel = wasmKernel<{ widen: Widen; quantize: Quantize }>(INT8_WASM);
/** Values per kernel call, rounded down to whole periods (one at least): the kernel's memory holds a chunk of the weight and its int8 values. */
const CHUNK = 65536;

const gcd = (a: number, b: number): number => (b ? gcd(b, a % b) : a);

/**
 * Quantize a [rows, cols] row-major weight (MatMul's B: [K, N]) per tensor or per column (output channel),
 * bit-compatible with ORT's quantize_dynamic.
 */
export function quantizeWeight(data: Float32Array, rows: number, cols: number, perChannel: boolean, type: WeightType): QuantizedWeight {
  const channels = perChannel ? cols : 1;
  const total = rows * cols;
  // int8.wat pairs value i with entry i mod period of its arrays: whole rows, four floats at a time
  const period = perChannel ? (cols * 4) / gcd(cols, 4) : 4;
  const step = period * Math.max(1, Math.floor(CHUNK / period));
  // regions: a chunk (room for 4 more values), its int8 values, then lo, hi or scales, zero points
  const outAt = (step + 4) * 4;
  const firstAt = outAt + step + 4;
  const secondAt = firstAt + period * 4;
  const { memory, widen, quantize } = kernel(
    secondAt + period * 4,
    (cause) => new LatheError('weight-too-large', `not enough memory to quantize a ${rows}x${cols} weight to ${type}`, { hint: 'exclude this weight from quantization', cause }),
  );
  const chunk = new Float32Array(memory.buffer, 0, step);
  const first = new Float32Array(memory.buffer, firstAt, period);
  const second = new Float32Array(memory.buffer, secondAt, period);
  first.fill(Infinity);
  second.fill(-Infinity);
  for (let from = 0; from < total; from += step) {
    const n = Math.min(step, total - from);
    chunk.set(data.subarray(from, from + n));
    widen(0, n, firstAt, secondAt, period);
  }
  // entries c, c + cols, ... of the period belong to column c; the order of min and max does not matter here
  // (NaN never entered, and -0 or 0 as a bound give the same scale and zero point)
  const lo = new Float64Array(channels).fill(Infinity);
  const hi = new Float64Array(channels).fill(-Infinity);
  for (let i = 0; i < period; i++) {
    const c = i % channels;
    if (first[i] < lo[c]) lo[c] = first[i];
    if (second[i] > hi[c]) hi[c] = second[i];
  }
  const params = Array.from({ length: channels }, (_, c) => scaleAndZeroPoint(lo[c], hi[c], type));
  for (let i = 0; i < period; i++) [first[i], second[i]] = [params[i % channels].scale, params[i % channels].zeroPoint];
  const values = type === 'int8' ? new Int8Array(total) : new Uint8Array(total);
  const [qmin, qmax] = type === 'int8' ? [-128, 127] : [0, 255];
  const out = type === 'int8' ? new Int8Array(memory.buffer, outAt, step) : new Uint8Array(memory.buffer, outAt, step);
  for (let from = 0; from < total; from += step) {
    const n = Math.min(step, total - from);
    chunk.set(data.subarray(from, from + n));
    quantize(0, n, firstAt, secondAt, period, qmin, qmax, type === 'int8' ? 0 : 1, outAt);
    values.set(n === step ? out : out.subarray(0, n), from);
  }
  const zp = params.map((p) => p.zeroPoint);
  return {
    values,
    scales: Float32Array.from(params, (p) => p.scale),
    zeroPoints: type === 'int8' ? Int8Array.from(zp) : Uint8Array.from(zp),
  };
}
