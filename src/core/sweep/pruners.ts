import { median } from '../median';
import type { EarlyTerminate, SweepGoal } from './space';

/** A trial as a pruner sees it: its number and intermediate values of the sweep's metric, by step. */
export interface TrialProgress {
  number: number;
  state: 'running' | 'complete' | 'pruned' | 'failed';
  /** Sorted by step. */
  points: { step: number; value: number }[];
}

/** Decides, when a trial reports a new step, whether to stop it. Pure: everything it needs is in its arguments. */
export interface Pruner {
  shouldPrune(trial: TrialProgress, all: TrialProgress[], goal: SweepGoal): boolean;
}

/** Completed trials the median pruner needs at a step before it stops anything (one good trial is not a median). */
export const MEDIAN_MIN_COMPLETED = 2;

const better = (goal: SweepGoal, a: number, b: number) => (goal === 'minimize' ? a < b : a > b);

/**
 * Median stopping (Google Vizier; Optuna's MedianPruner): from step `min_iter` on, a trial whose best value so far
 * is worse than the median of the completed trials' values at the same step is stopped.
 */
export class MedianPruner implements Pruner {
  constructor(private readonly minIter: number) {}

  shouldPrune(trial: TrialProgress, all: TrialProgress[], goal: SweepGoal): boolean {
    const last = trial.points[trial.points.length - 1];
    if (!last || last.step < this.minIter) return false;
    const others = all.filter((t) => t.state === 'complete' && t.number !== trial.number).map((t) => t.points.find((p) => p.step === last.step)?.value).filter((v): v is number => v !== undefined);
    if (others.length < MEDIAN_MIN_COMPLETED) return false;
    const best = trial.points.reduce((b, p) => (better(goal, p.value, b) ? p.value : b), trial.points[0].value);
    return better(goal, median(others), best);
  }
}

/** The value a trial had when it reached `rung`: at its first step ≥ rung. */
const rungValue = (t: TrialProgress, rung: number) => t.points.find((p) => p.step >= rung)?.value;

/**
 * Asynchronous successive halving (ASHA; Optuna's SuccessiveHalvingPruner): rungs at min_iter·eta^k steps. When a
 * trial reaches a rung it continues only if its value there is in the top 1/eta of the values every trial had at
 * that rung (the best one always continues), else it is stopped. `group` limits the competitors (hyperband brackets).
 */
export class AshaPruner implements Pruner {
  constructor(
    private readonly minIter: number,
    private readonly eta: number,
    private readonly group: (number: number) => number = () => 0,
  ) {}

  shouldPrune(trial: TrialProgress, all: TrialProgress[], goal: SweepGoal): boolean {
    const n = trial.points.length;
    if (n === 0) return false;
    const last = trial.points[n - 1].step;
    const before = n > 1 ? trial.points[n - 2].step : -Infinity;
    // the rung this step reaches for the first time, if any: decided once, like Optuna
    let rung: number | undefined;
    for (let r = this.minIter; r <= last; r *= this.eta) if (r > before) rung = r;
    if (rung === undefined) return false;
    const own = trial.points[n - 1].value;
    const bracket = this.group(trial.number);
    const competing = all.filter((t) => t.number !== trial.number && this.group(t.number) === bracket).map((t) => rungValue(t, rung!)).filter((v): v is number => v !== undefined);
    competing.push(own);
    competing.sort((a, b) => (goal === 'minimize' ? a - b : b - a));
    const keep = Math.max(1, Math.floor(competing.length / this.eta));
    return better(goal, competing[keep - 1], own);
  }
}

/**
 * Hyperband (Li et al. 2018; Optuna's HyperbandPruner): several successive-halving brackets, bracket b starting at
 * min_iter·eta^b steps, trials spread over the brackets by number, each competing only within its bracket.
 */
export function hyperbandPruner(minIter: number, maxIter: number, eta: number): Pruner {
  const brackets = Math.max(1, Math.floor(Math.log(maxIter / minIter) / Math.log(eta) + 1e-9) + 1);
  const bracketOf = (n: number) => n % brackets;
  const byBracket = Array.from({ length: brackets }, (_, b) => new AshaPruner(minIter * eta ** b, eta, bracketOf));
  return { shouldPrune: (trial, all, goal) => byBracket[bracketOf(trial.number)].shouldPrune(trial, all, goal) };
}

export function createPruner(et: EarlyTerminate | undefined): Pruner | undefined {
  if (!et) return undefined;
  if (et.type === 'median') return new MedianPruner(et.minIter);
  if (et.type === 'asha') return new AshaPruner(et.minIter, et.eta);
  return hyperbandPruner(et.minIter, et.maxIter ?? et.minIter * et.eta ** 3, et.eta);
}
