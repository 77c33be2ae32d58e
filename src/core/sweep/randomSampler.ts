import { trialRng, type Rng } from './random';
import type { Observation, Sampler } from './sampler';
import { snap, type ParamSpace, type TrialParams } from './space';

/** One independent draw from a parameter's prior: uniform, uniform in log space, uniform integer, or a uniform choice. */
export function drawPrior(space: ParamSpace, rng: Rng): TrialParams[string] {
  const u = rng.next();
  if (space.kind === 'categorical') return space.values[Math.min(space.values.length - 1, Math.floor(u * space.values.length))];
  if (space.kind === 'log_uniform') return snap(space, Math.exp(Math.log(space.min) + u * (Math.log(space.max) - Math.log(space.min))));
  if (space.kind === 'int_uniform') return snap(space, space.min - 0.5 + u * (space.max - space.min + 1));
  return snap(space, space.min + u * (space.max - space.min));
}

/** Independent draws; trial n always gets the same params for the same seed, so a resumed sweep continues the sequence. */
export class RandomSampler implements Sampler {
  constructor(
    private readonly space: ParamSpace[],
    private readonly seed: number,
  ) {}

  sample(n: number, _history: Observation[]): TrialParams {
    const rng = trialRng(this.seed, n);
    return Object.fromEntries(this.space.map((s) => [s.name, drawPrior(s, rng)]));
  }
}
