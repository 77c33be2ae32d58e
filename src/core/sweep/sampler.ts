import type { ParamSpace, SweepGoal, SweepMethod, TrialParams } from './space';
import { GridSampler } from './grid';
import { RandomSampler } from './randomSampler';
import { TpeSampler } from './tpe';

/** What a sampler learns from a trial: its params and, once it finished, how it did. */
export interface Observation {
  params: TrialParams;
  state: 'complete' | 'pruned' | 'failed' | 'running';
  /** The objective of a complete trial (its metric's last value); null when it reported none. */
  value: number | null;
}

/** Proposes the params of trial `n` from what the trials so far did; undefined when the space is exhausted (grid). */
export interface Sampler {
  sample(n: number, history: Observation[]): TrialParams | undefined;
}

export function createSampler(method: SweepMethod, space: ParamSpace[], goal: SweepGoal, seed: number): Sampler {
  if (method === 'grid') return new GridSampler(space);
  if (method === 'random') return new RandomSampler(space, seed);
  return new TpeSampler(space, goal, seed);
}
