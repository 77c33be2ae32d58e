// What the sweep panel plots, computed without the DOM so unit tests check it: parallel-coordinate lines, axis ticks,
// the objective colour scale and the scatter points of one parameter.
import { scaleToUnit, unitToValue } from '../../src/core/charts/axis';
import type { SweepAxis, SweepData, SweepTrial } from '../../src/shared/messages';
import { formatCell } from './table';
import type { ThemeKind } from './theme';

export interface Tick {
  /** Position along the axis in [0, 1]. */
  at: number;
  label: string;
}

export interface ParallelAxis {
  name: string;
  ticks: Tick[];
}

export interface ParallelLine {
  runId: string;
  label: string;
  pruned: boolean;
  /** Objective scaled to [0, 1] with 1 the best end (colours and order follow it), or null without one. */
  quality: number | null;
  /** One point per axis (x: axis index, y in [0, 1]); null where the trial has no value there. */
  points: ({ x: number; y: number } | null)[];
}

export interface ParallelModel {
  axes: ParallelAxis[];
  lines: ParallelLine[];
}

/** The objective's range over the trials that have one, as an axis (never log: objectives can be negative). */
export function objectiveAxis(sweep: SweepData): SweepAxis {
  const values = sweep.trials.flatMap((t) => (t.objective === null ? [] : [t.objective]));
  return {
    name: `${sweep.objective.metric} (${sweep.objective.reduce})`,
    kind: 'numeric',
    min: values.length ? Math.min(...values) : 0,
    max: values.length ? Math.max(...values) : 1,
    log: false,
    categories: [],
  };
}

/** Ticks of an axis: every category, or the ends and the middle of a numeric range (geometric middle on log axes). */
export function axisTicks(axis: SweepAxis): Tick[] {
  if (axis.kind === 'categorical') return axis.categories.map((label, i) => ({ at: scaleToUnit(axis, i), label }));
  if (axis.min === axis.max) return [{ at: 0.5, label: formatCell(axis.min) }];
  return [0, 0.5, 1].map((at) => ({ at, label: formatCell(Number(unitToValue(axis, at).toPrecision(3))) }));
}

/** Where a trial's objective sits between the worst (0) and the best (1) of the sweep. */
export function quality(sweep: SweepData, axis: SweepAxis, value: number | null): number | null {
  if (value === null) return null;
  const unit = scaleToUnit(axis, value);
  return sweep.objective.goal === 'minimize' ? 1 - unit : unit;
}

/** Parallel coordinates: an axis per parameter and one for the objective; a line per trial across them. */
export function parallelModel(sweep: SweepData): ParallelModel {
  const objective = objectiveAxis(sweep);
  const axes = [...sweep.axes, objective];
  const lines = sweep.trials.map((t): ParallelLine => ({
    runId: t.runId,
    label: `#${t.number} ${t.name}`,
    pruned: t.pruned,
    quality: quality(sweep, objective, t.objective),
    points: [...t.values, t.objective].map((v, i) => (v === null ? null : { x: i, y: scaleToUnit(axes[i], v) })),
  }));
  // the best lines are drawn last, on top of the rest
  lines.sort((a, b) => (a.quality ?? -1) - (b.quality ?? -1));
  return { axes: axes.map((a) => ({ name: a.name, ticks: axisTicks(a) })), lines };
}

// viridis at five stops: perceptually even, legible for colour-blind readers, dark = worst, yellow = best
const VIRIDIS = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];

/**
 * The colour of a trial by its quality (1 best). On light themes the scale is cut short of its palest yellow, which
 * would vanish on white. Trials without an objective are grey.
 */
export function qualityColor(q: number | null, kind: ThemeKind, alpha = 1): string {
  if (q === null) return `rgba(128, 128, 128, ${alpha})`;
  const t = Math.min(1, Math.max(0, q)) * (kind === 'light' || kind === 'high-contrast-light' ? 0.8 : 1);
  const pos = t * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(pos));
  const f = pos - i;
  const [r, g, b] = VIRIDIS[i].map((c, k) => Math.round(c + f * (VIRIDIS[i + 1][k] - c)));
  return `rgba(${r}, ${g}, ${b}, ${alpha})`;
}

export interface ScatterPoint {
  x: number;
  y: number;
  runId: string;
  pruned: boolean;
}

/** One parameter against the objective: a point per trial that has both. */
export function scatterPoints(trials: SweepTrial[], axisIndex: number): ScatterPoint[] {
  return trials.flatMap((t) => {
    const x = t.values[axisIndex];
    return x === null || t.objective === null ? [] : [{ x, y: t.objective, runId: t.runId, pruned: t.pruned }];
  });
}
