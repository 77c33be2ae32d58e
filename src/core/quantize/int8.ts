import type { Floats } from './graph';

/** numpy's round (half to even), which ORT's quantizer uses: the same weights give the same int8 values. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
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

/**
 * Quantize a [rows, cols] row-major weight (MatMul's B: [K, N]) per tensor or per column (output channel),
 * bit-compatible with ORT's quantize_dynamic.
 */
export function quantizeWeight(data: Float32Array, rows: number, cols: number, perChannel: boolean, type: WeightType): QuantizedWeight {
  const channels = perChannel ? cols : 1;
  const lo = new Float64Array(channels).fill(Infinity);
  const hi = new Float64Array(channels).fill(-Infinity);
  for (let r = 0, i = 0; r < rows; r++) {
    for (let col = 0; col < cols; col++, i++) {
      const c = perChannel ? col : 0;
      if (data[i] < lo[c]) lo[c] = data[i];
      if (data[i] > hi[c]) hi[c] = data[i];
    }
  }
  const params = Array.from({ length: channels }, (_, c) => scaleAndZeroPoint(lo[c], hi[c], type));
  const [qmin, qmax] = type === 'int8' ? [-128, 127] : [0, 255];
  const values = type === 'int8' ? new Int8Array(rows * cols) : new Uint8Array(rows * cols);
  const scales = Float64Array.from(params, (p) => p.scale);
  const zeroPoints = Float64Array.from(params, (p) => p.zeroPoint);
  for (let r = 0, i = 0; r < rows; r++) {
    for (let col = 0; col < cols; col++, i++) {
      const c = perChannel ? col : 0;
      values[i] = Math.min(qmax, Math.max(qmin, roundHalfEven(Math.fround(data[i] / scales[c])) + zeroPoints[c]));
    }
  }
  const zp = params.map((p) => p.zeroPoint);
  return {
    values,
    scales: Float32Array.from(params, (p) => p.scale),
    zeroPoints: type === 'int8' ? Int8Array.from(zp) : Uint8Array.from(zp),
  };
}
