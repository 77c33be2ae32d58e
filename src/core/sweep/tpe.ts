import { stableStringify } from '../workspace/json';
import { CategoricalEstimator, ParzenEstimator } from './parzen';
import { trialRng, type Rng } from './random';
import { RandomSampler } from './randomSampler';
import type { Observation, Sampler } from './sampler';
import { snap, type ParamSpace, type SweepGoal, type TrialParams } from './space';

export interface TpeOptions {
  /** Trials drawn at random before the model is used (default 10). */
  startup?: number;
  /** Share of the finished trials that form the good group (default 0.25). */
  gamma?: number;
  /** Candidates drawn from l(x) per parameter (default 24). */
  candidates?: number;
}

/**
 * Tree-structured Parzen Estimator (Bergstra et al. 2011; Hyperopt, Optuna): after `startup` random trials, the
 * finished trials are split at the gamma quantile of the objective into good and bad; each parameter gets a Parzen
 * density l(x) over its good values and g(x) over its bad ones, and takes the candidate drawn from l that maximises
 * l(x)/g(x) (which maximises expected improvement). Parameters are modelled independently; log-uniform ones in log
 * space, integers over [min − ½, max + ½] then rounded, choices as categorical counts. Pruned trials count as bad.
 */
export class TpeSampler implements Sampler {
  private readonly random: RandomSampler;
  private readonly startup: number;
  private readonly gamma: number;
  private readonly candidates: number;

  constructor(
    private readonly space: ParamSpace[],
    private readonly goal: SweepGoal,
    private readonly seed: number,
    options: TpeOptions = {},
  ) {
    this.random = new RandomSampler(space, seed);
    this.startup = options.startup ?? 10;
    this.gamma = options.gamma ?? 0.25;
    this.candidates = options.candidates ?? 24;
  }

  sample(n: number, history: Observation[]): TrialParams {
    const complete = history.filter((o) => o.state === 'complete' && o.value !== null && Number.isFinite(o.value));
    if (complete.length < this.startup) return this.random.sample(n, history);
    const sign = this.goal === 'minimize' ? 1 : -1;
    complete.sort((a, b) => sign * (a.value! - b.value!));
    const nGood = Math.max(1, Math.ceil(this.gamma * complete.length));
    const good = complete.slice(0, nGood);
    const bad = [...complete.slice(nGood), ...history.filter((o) => o.state === 'pruned')];
    const rng = trialRng(this.seed, n);
    return Object.fromEntries(this.space.map((s) => [s.name, this.suggest(s, good, bad, rng)]));
  }

  private suggest(space: ParamSpace, good: Observation[], bad: Observation[], rng: Rng): TrialParams[string] {
    const has = (o: Observation) => o.params[space.name] !== undefined;
    if (space.kind === 'categorical') {
      const keys = space.values.map((v) => stableStringify(v, 0));
      const indexOf = (o: Observation) => keys.indexOf(stableStringify(o.params[space.name], 0));
      const l = new CategoricalEstimator(good.filter(has).map(indexOf).filter((i) => i >= 0), keys.length);
      const g = new CategoricalEstimator(bad.filter(has).map(indexOf).filter((i) => i >= 0), keys.length);
      return space.values[this.best(() => l.sample(rng), (i) => l.logDensity(i) - g.logDensity(i))];
    }
    const log = space.kind === 'log_uniform';
    const int = space.kind === 'int_uniform';
    const to = (v: number) => (log ? Math.log(v) : v);
    const low = int ? space.min - 0.5 : to(space.min);
    const high = int ? space.max + 0.5 : to(space.max);
    const values = (os: Observation[]) => os.map((o) => o.params[space.name]).filter((v): v is number => typeof v === 'number' && v >= space.min && v <= space.max).map(to);
    const l = new ParzenEstimator(values(good), low, high);
    const g = new ParzenEstimator(values(bad), low, high);
    const x = this.best(() => l.sample(rng), (c) => l.logDensity(c) - g.logDensity(c));
    return snap(space, log ? Math.exp(x) : x);
  }

  private best<T>(draw: () => T, score: (x: T) => number): T {
    let best = draw();
    let bestScore = score(best);
    for (let i = 1; i < this.candidates; i++) {
      const x = draw();
      const s = score(x);
      if (s > bestScore) [best, bestScore] = [x, s];
    }
    return best;
  }
}
