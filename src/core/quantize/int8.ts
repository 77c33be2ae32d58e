import type { Floats } from './graph';

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

// The loops below run over slices of at most CHUNK values in small functions called many times: V8 optimizes a
// function by its calls sooner than one long loop by on-stack replacement, which made a first (cold) quantization
// twice as slow as the next. data / scale lies within [-255, 255] there (the range holds every value), so the
// rounding of roundHalfEven is exact and inlined: these loops are most of a quantization's time.
const CHUNK = 4096;

/** [min, max] of data[from, to) folded into range. */
function widenRange(data: Float32Array, from: number, to: number, range: Float64Array): void {
  let [min, max] = [range[0], range[1]];
  for (let i = from; i < to; i++) {
    const v = data[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  [range[0], range[1]] = [min, max];
}

/** Per column: lo[c]/hi[c] widened by the rows of data[from, to) (whole rows of `cols` values). */
function widenColumns(data: Float32Array, from: number, to: number, cols: number, lo: Float64Array, hi: Float64Array): void {
  for (let row = from; row < to; row += cols) {
    for (let c = 0; c < cols; c++) {
      const v = data[row + c];
      if (v < lo[c]) lo[c] = v;
      if (v > hi[c]) hi[c] = v;
    }
  }
}

function quantizeSlice(data: Float32Array, values: Int8Array | Uint8Array, from: number, to: number, scale: number, zeroPoint: number, qmin: number, qmax: number): void {
  for (let i = from; i < to; i++) {
    const q = Math.fround(data[i] / scale) + ROUNDER - ROUNDER + zeroPoint;
    values[i] = q < qmin ? qmin : q > qmax ? qmax : q;
  }
}

function quantizeColumns(
  data: Float32Array,
  values: Int8Array | Uint8Array,
  from: number,
  to: number,
  cols: number,
  scales: Float64Array,
  zeroPoints: Float64Array,
  qmin: number,
  qmax: number,
): void {
  for (let row = from; row < to; row += cols) {
    for (let c = 0; c < cols; c++) {
      const q = Math.fround(data[row + c] / scales[c]) + ROUNDER - ROUNDER + zeroPoints[c];
      values[row + c] = q < qmin ? qmin : q > qmax ? qmax : q;
    }
  }
}

/**
 * Quantize a [rows, cols] row-major weight (MatMul's B: [K, N]) per tensor or per column (output channel),
 * bit-compatible with ORT's quantize_dynamic.
 */
export function quantizeWeight(data: Float32Array, rows: number, cols: number, perChannel: boolean, type: WeightType): QuantizedWeight {
  const channels = perChannel ? cols : 1;
  const lo = new Float64Array(channels).fill(Infinity);
  const hi = new Float64Array(channels).fill(-Infinity);
  const total = rows * cols;
  // per channel, slices are whole rows
  const step = perChannel ? cols * Math.max(1, Math.floor(CHUNK / cols)) : CHUNK;
  const range = Float64Array.of(Infinity, -Infinity);
  for (let from = 0; from < total; from += step) {
    if (perChannel) widenColumns(data, from, Math.min(total, from + step), cols, lo, hi);
    else widenRange(data, from, Math.min(total, from + step), range);
  }
  if (!perChannel) [lo[0], hi[0]] = [range[0], range[1]];
  const params = Array.from({ length: channels }, (_, c) => scaleAndZeroPoint(lo[c], hi[c], type));
  const scales = Float64Array.from(params, (p) => p.scale);
  const zeroPoints = Float64Array.from(params, (p) => p.zeroPoint);
  const values = type === 'int8' ? new Int8Array(total) : new Uint8Array(total);
  const [qmin, qmax] = type === 'int8' ? [-128, 127] : [0, 255];
  for (let from = 0; from < total; from += step) {
    const to = Math.min(total, from + step);
    if (perChannel) quantizeColumns(data, values, from, to, cols, scales, zeroPoints, qmin, qmax);
    else quantizeSlice(data, values, from, to, scales[0], zeroPoints[0], qmin, qmax);
  }
  const zp = params.map((p) => p.zeroPoint);
  return {
    values,
    scales: Float32Array.from(params, (p) => p.scale),
    zeroPoints: type === 'int8' ? Int8Array.from(zp) : Uint8Array.from(zp),
  };
}
