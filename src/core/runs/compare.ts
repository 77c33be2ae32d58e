import { stableStringify } from '../workspace/json';
import { LatheError } from '../workspace/errors';
import type { StoreLayout } from '../workspace/layout';
import { metricStats, type MetricSeries, type MetricStats } from './metrics';
import type { ParamValue, RunRecord } from './record';
import { readMetrics, readRun } from './store';

export type MetricGoal = 'minimize' | 'maximize';

export interface ParamRow {
  name: string;
  /** One per run, in the order of `runs`; undefined when the run has no such parameter. */
  values: (ParamValue | undefined)[];
  differs: boolean;
}

export interface MetricCell extends MetricStats {
  /** The best value of the series for the row's goal. */
  best: number;
}

export interface MetricRow {
  name: string;
  goal: MetricGoal;
  /** One per run; null when the run did not report this metric. */
  values: (MetricCell | null)[];
  /** Index in `runs` of the run whose best value wins, or null with no values. */
  bestRun: number | null;
}

export interface RunComparison {
  runs: RunRecord[];
  params: ParamRow[];
  metrics: MetricRow[];
}

// Metrics whose name says "lower is better"; everything else (accuracy, f1, reward...) is maximised.
const LOWER_IS_BETTER = /loss|err|mse|mae|rmse|perplexity|ppl|wer|cer|latency|time|duration/i;

export function metricGoal(name: string): MetricGoal {
  return LOWER_IS_BETTER.test(name) ? 'minimize' : 'maximize';
}

const sameValue = (a: ParamValue | undefined, b: ParamValue | undefined) =>
  a === undefined || b === undefined ? a === b : stableStringify(a, 0) === stableStringify(b, 0);

function paramRows(runs: RunRecord[]): ParamRow[] {
  const names = [...new Set(runs.flatMap((r) => Object.keys(r.params ?? {})))].sort();
  return names.map((name) => {
    const values = runs.map((r) => (r.params ?? {})[name]);
    return { name, values, differs: values.some((v) => !sameValue(v, values[0])) };
  });
}

/** Each metric's stats: what a comparison needs of a run's series, without keeping its points. */
export function seriesStats(series: MetricSeries): Record<string, MetricStats> {
  return Object.fromEntries(Object.entries(series).flatMap(([name, points]) => {
    const stats = metricStats(points);
    return stats ? [[name, stats]] : [];
  }));
}

function metricRows(perRun: Record<string, MetricStats>[]): MetricRow[] {
  const names = [...new Set(perRun.flatMap((s) => Object.keys(s)))].sort();
  return names.map((name) => {
    const goal = metricGoal(name);
    const values = perRun.map((s): MetricCell | null => {
      const stats = s[name];
      return stats ? { ...stats, best: goal === 'minimize' ? stats.min : stats.max } : null;
    });
    let bestRun: number | null = null;
    values.forEach((cell, i) => {
      const current = bestRun === null ? null : values[bestRun];
      if (cell && (!current || (goal === 'minimize' ? cell.best < current.best : cell.best > current.best))) bestRun = i;
    });
    return { name, goal, values, bestRun };
  });
}

/** Side by side: every parameter (flagged where the runs differ) and every metric's last/best/min/max. */
export async function compareRuns(layout: StoreLayout, refs: string[]): Promise<RunComparison> {
  if (refs.length < 2) throw new LatheError('usage', 'compare needs at least two runs', { hint: 'lathe runs compare <a> <b> [...]' });
  const runs = await Promise.all(refs.map((ref) => readRun(layout, ref)));
  const stats = await Promise.all(runs.map(async (r) => seriesStats((await readMetrics(layout, r.id)).series)));
  return compareRecords(runs, stats);
}

/** The comparison of runs whose metrics are already summarised (`stats[i]` belongs to `runs[i]`, see seriesStats). */
export function compareRecords(runs: RunRecord[], stats: Record<string, MetricStats>[]): RunComparison {
  return { runs, params: paramRows(runs), metrics: metricRows(stats) };
}
