import type { SweepAxis } from '../../shared/messages';

/**
 * An axis value scaled to [0, 1] (log axes in log space); a constant axis maps everything to ½. Pure, so the sweep
 * webview places its parallel-coordinate lines with the same scale the importance was computed on.
 */
export function scaleToUnit(axis: Pick<SweepAxis, 'min' | 'max' | 'log'>, value: number): number {
  if (axis.max === axis.min) return 0.5;
  if (axis.log) return (Math.log(value) - Math.log(axis.min)) / (Math.log(axis.max) - Math.log(axis.min));
  return (value - axis.min) / (axis.max - axis.min);
}

/** The value at `unit` in [0, 1] along the axis: the inverse of scaleToUnit. */
export function unitToValue(axis: Pick<SweepAxis, 'min' | 'max' | 'log'>, unit: number): number {
  if (axis.log) return Math.exp(Math.log(axis.min) + unit * (Math.log(axis.max) - Math.log(axis.min)));
  return axis.min + unit * (axis.max - axis.min);
}
