/**
 * Sweeps, by convention: a sweep is the set of runs tagged `sweep:<name>`, as the sweep engine (core/sweep) tags its
 * trials. Each run is a trial; its params are the sampled values, its metric series the intermediate values, and a
 * `pruned` tag marks a trial stopped early (its status is usually cancelled). So any runs started as
 * `lathe run --tag sweep:lr-search --param lr=0.01 -- python train.py` form a sweep the panel can chart.
 */
import type { SweepAxis, SweepData, SweepImportance, SweepObjective, SweepTrial } from '../../shared/messages';
import { listRuns, metricGoal, readMetrics, type MetricPoint, type MetricSeries, type ParamValue, type RunRecord } from '../runs';
import { stableStringify } from '../workspace/json';
import { LatheError } from '../workspace/errors';
import type { StoreLayout } from '../workspace/layout';
import { scaleToUnit } from './axis';
import { toCsv } from './csv';
import { fanovaImportance } from './importance';
import { downsampleXY } from './series';

export const SWEEP_TAG_PREFIX = 'sweep:';
export const PRUNED_TAG = 'pruned';

/** The sweep a run belongs to (its first `sweep:<name>` tag), or undefined. */
export function sweepOf(run: Pick<RunRecord, 'tags'>): string | undefined {
  const tag = (run.tags ?? []).find((t) => t.startsWith(SWEEP_TAG_PREFIX) && t.length > SWEEP_TAG_PREFIX.length);
  return tag?.slice(SWEEP_TAG_PREFIX.length);
}

export interface SweepSummary {
  name: string;
  trials: number;
}

/** The sweeps among these runs, by name, with their trial counts. */
export function sweepsIn(runs: Pick<RunRecord, 'tags'>[]): SweepSummary[] {
  const counts = new Map<string, number>();
  for (const run of runs) {
    const name = sweepOf(run);
    if (name) counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return [...counts].map(([name, trials]) => ({ name, trials })).sort((a, b) => a.name.localeCompare(b.name));
}

/** A trial as the sweep model needs it: the run's record and metric series. */
export interface TrialInput {
  record: RunRecord;
  series: MetricSeries;
}

// Metric names an objective is usually called, in order of preference, when the user has not chosen one.
const OBJECTIVE_NAMES = ['objective', 'val_loss', 'loss', 'val_accuracy', 'accuracy', 'val_acc', 'acc', 'score'];

/** The objective asked for, completed: the metric defaults to a usual objective name, the goal to the metric's. */
export function resolveObjective(metrics: string[], wanted: Partial<SweepObjective> = {}): SweepObjective {
  const metric = wanted.metric && metrics.includes(wanted.metric) ? wanted.metric : OBJECTIVE_NAMES.find((m) => metrics.includes(m)) ?? metrics[0] ?? wanted.metric ?? '';
  return { metric, goal: wanted.metric === metric && wanted.goal ? wanted.goal : metricGoal(metric), reduce: wanted.reduce ?? 'last' };
}

const better = (goal: SweepObjective['goal'], a: number, b: number) => (goal === 'minimize' ? a < b : a > b);

function reduceSeries(points: MetricPoint[] | undefined, objective: SweepObjective): number | null {
  if (!points || points.length === 0) return null;
  if (objective.reduce === 'last') return points[points.length - 1].value;
  return points.reduce((best, p) => (better(objective.goal, p.value, best) ? p.value : best), points[0].value);
}

const paramText = (v: ParamValue) => (typeof v === 'string' ? v : stableStringify(v, 0).trimEnd());

/** One axis per parameter any trial has: numeric when every value is a number, else categorical (in sorted order). */
export function sweepAxes(runs: RunRecord[]): SweepAxis[] {
  const names = [...new Set(runs.flatMap((r) => Object.keys(r.params ?? {})))].sort();
  return names.map((name): SweepAxis => {
    const values = runs.map((r) => r.params?.[name]).filter((v): v is ParamValue => v !== undefined && v !== null);
    if (values.length > 0 && values.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      const numbers = values as number[];
      const min = Math.min(...numbers);
      const max = Math.max(...numbers);
      // learning rates and weight decays are sampled log-uniformly: two decades or more read better on a log axis
      return { name, kind: 'numeric', min, max, log: min > 0 && max / min >= 100, categories: [] };
    }
    const categories = [...new Set(values.map(paramText))].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
    return { name, kind: 'categorical', min: 0, max: Math.max(0, categories.length - 1), log: false, categories };
  });
}

function axisValue(axis: SweepAxis, value: ParamValue | undefined): number | null {
  if (value === undefined || value === null) return null;
  if (axis.kind === 'numeric') return typeof value === 'number' ? value : null;
  return axis.categories.indexOf(paramText(value));
}

export const IMPORTANCE_METHOD =
  'fANOVA main effects on a seeded random forest of 32 regression trees: the share of the objective\u2019s variance each ' +
  'parameter explains on its own, over the range the trials cover (log-scaled parameters in log space, categories in ' +
  'sorted order). The rest is left to interactions between parameters.';

const MIN_TRIALS_FOR_IMPORTANCE = 4;

/**
 * Importance of the parameters that vary, over the trials that finished with an objective: a pruned trial's value is
 * from an earlier step than the others', so it would read as an effect of its parameters (Optuna leaves them out too).
 */
export function sweepImportance(axes: SweepAxis[], trials: SweepTrial[]): SweepImportance {
  const scored = trials.filter((t) => t.objective !== null && !t.pruned);
  const varying = axes.map((a, i) => ({ a, i })).filter(({ a }) => a.max > a.min);
  const empty = (reason: string): SweepImportance => ({ method: IMPORTANCE_METHOD, params: [], interactions: 0, reason });
  if (scored.length < MIN_TRIALS_FOR_IMPORTANCE) return empty(`needs at least ${MIN_TRIALS_FOR_IMPORTANCE} unpruned trials with an objective value, this sweep has ${scored.length}`);
  if (varying.length === 0) return empty('no parameter varies between the trials');
  // a trial without a parameter sits in the middle of its axis: it says nothing about that parameter's effect
  const X = scored.map((t) => varying.map(({ a, i }) => (t.values[i] === null ? 0.5 : scaleToUnit(a, t.values[i]!))));
  const { main, interactions } = fanovaImportance(X, scored.map((t) => t.objective!));
  const params = axes.map((a) => {
    const k = varying.findIndex((v) => v.a === a);
    return { name: a.name, importance: k < 0 ? 0 : main[k] };
  });
  return { method: IMPORTANCE_METHOD, params: params.sort((p, q) => q.importance - p.importance || p.name.localeCompare(q.name)), interactions };
}

/**
 * The optimisation history: each finished trial with an objective, in order, with the best objective so far. Pruned
 * trials are left out: their value is from the step they were stopped at, not a result to compare.
 */
export function bestSoFar(trials: SweepTrial[], goal: SweepObjective['goal']): SweepData['history'] {
  const history: SweepData['history'] = [];
  let best: number | undefined;
  for (const t of [...trials].sort((a, b) => a.number - b.number)) {
    if (t.objective === null || t.pruned) continue;
    if (best === undefined || better(goal, t.objective, best)) best = t.objective;
    history.push({ number: t.number, value: t.objective, best });
  }
  return history;
}

/** The sweep panel's data from its trials (oldest first get the lowest numbers). */
export function buildSweep(name: string, inputs: TrialInput[], wanted: Partial<SweepObjective> = {}, maxPoints = 1000): SweepData {
  const ordered = [...inputs].sort((a, b) => a.record.createdAt.localeCompare(b.record.createdAt) || a.record.id.localeCompare(b.record.id));
  const metrics = [...new Set(ordered.flatMap((t) => Object.keys(t.series)))].sort();
  const objective = resolveObjective(metrics, wanted);
  const axes = sweepAxes(ordered.map((t) => t.record));
  const warnings: string[] = [];
  if (wanted.metric && wanted.metric !== objective.metric) warnings.push(`no trial reports ${wanted.metric}: showing ${objective.metric || 'nothing'}`);
  const trials = ordered.map(({ record, series }, i): SweepTrial => {
    const points = series[objective.metric] ?? [];
    const shown = downsampleXY({ x: points.map((p) => p.step), y: points.map((p) => p.value) }, maxPoints);
    return {
      runId: record.id,
      name: record.name,
      number: i + 1,
      status: record.status,
      pruned: (record.tags ?? []).includes(PRUNED_TAG),
      values: axes.map((a) => axisValue(a, record.params?.[a.name])),
      objective: reduceSeries(points, objective),
      steps: shown.x,
      intermediate: shown.y,
    };
  });
  const missing = trials.filter((t) => t.objective === null).length;
  if (missing > 0 && objective.metric) warnings.push(`${missing} trial${missing === 1 ? ' has' : 's have'} not reported ${objective.metric}`);
  const history = bestSoFar(trials, objective.goal);
  // the first trial that reached the final best value
  const bestNumber = history.find((h) => h.value === history[history.length - 1].best)?.number;
  const best = trials.find((t) => t.number === bestNumber);
  return { name, objective, metrics, axes, trials, history, bestRunId: best?.runId ?? null, importance: sweepImportance(axes, trials), warnings };
}

/** Every sweep among the workspace's runs. */
export async function listSweeps(layout: StoreLayout): Promise<SweepSummary[]> {
  return sweepsIn(await listRuns(layout));
}

/** Read a sweep's trials from the store and build its data; an unknown sweep is an error naming the known ones. */
export async function readSweep(layout: StoreLayout, name: string, wanted: Partial<SweepObjective> = {}, maxPoints = 1000): Promise<SweepData> {
  const runs = (await listRuns(layout)).filter((r) => sweepOf(r) === name);
  if (runs.length === 0) {
    const known = (await listSweeps(layout)).map((s) => s.name);
    throw new LatheError('not-found', `no runs are tagged ${SWEEP_TAG_PREFIX}${name}`, {
      file: layout.runs,
      hint: known.length ? `sweeps: ${known.join(', ')}` : `tag a sweep's runs: lathe run --tag ${SWEEP_TAG_PREFIX}${name} --param lr=0.01 -- <command>`,
    });
  }
  const inputs = await Promise.all(runs.map(async (record) => ({ record, series: (await readMetrics(layout, record.id)).series })));
  return buildSweep(name, inputs, wanted, maxPoints);
}

/** The trials table as CSV: one row per trial, its parameters, objective and status. */
export function sweepCsv(sweep: SweepData): string {
  const cell = (axisIndex: number, v: number | null): string | number | null => {
    const axis = sweep.axes[axisIndex];
    return v === null ? null : axis.kind === 'categorical' ? axis.categories[v] : v;
  };
  return toCsv(
    ['trial', 'run', 'status', 'pruned', ...sweep.axes.map((a) => a.name), `${sweep.objective.metric} (${sweep.objective.reduce})`],
    sweep.trials.map((t) => [t.number, t.runId, t.status, t.pruned ? 'yes' : 'no', ...t.values.map((v, i) => cell(i, v)), t.objective]),
  );
}
