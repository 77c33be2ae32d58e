import { stableStringify } from '../workspace/json';
import { LatheError } from '../workspace/errors';
import type { Observation, Sampler } from './sampler';
import { snap, type ParamSpace, type TrialParams } from './space';

/** Grids larger than this are refused: nobody means to run them, and enumerating them would exhaust memory. */
const MAX_GRID = 100_000;

/** The finite values of one parameter: its `values`, or `min` to `max` by `step` (ints by 1 when no step). */
export function gridValues(space: ParamSpace): TrialParams[string][] {
  if (space.kind === 'categorical') return space.values;
  const step = space.step ?? (space.kind === 'int_uniform' ? 1 : undefined);
  if (step === undefined) throw new LatheError('invalid-sweep', `grid search needs a finite set: parameter '${space.name}' has no 'values' or 'step'`, { hint: "give it 'values' or a 'step'" });
  const out: number[] = [];
  for (let i = 0; space.min + i * step <= space.max + step * 1e-9; i++) {
    if (out.length > MAX_GRID) break;
    const v = snap(space, space.min + i * step);
    if (out[out.length - 1] !== v) out.push(v);
  }
  return out;
}

const key = (params: TrialParams, names: string[]) => stableStringify(Object.fromEntries(names.map((n) => [n, params[n] ?? null])), 0);

/** Every combination, in order (the last parameter varies fastest); a combination some trial already has is skipped. */
export class GridSampler implements Sampler {
  private readonly names: string[];
  private readonly axes: TrialParams[string][][];
  readonly size: number;

  constructor(space: ParamSpace[]) {
    this.names = space.map((s) => s.name);
    this.axes = space.map(gridValues);
    this.size = this.axes.reduce((n, a) => n * a.length, 1);
    if (this.size > MAX_GRID) throw new LatheError('invalid-sweep', `the grid has ${this.size} combinations, more than ${MAX_GRID}`, { hint: 'use fewer values, a larger step, or method random/tpe' });
  }

  combination(index: number): TrialParams {
    const params: TrialParams = {};
    let rest = index;
    for (let i = this.names.length - 1; i >= 0; i--) {
      params[this.names[i]] = this.axes[i][rest % this.axes[i].length];
      rest = Math.floor(rest / this.axes[i].length);
    }
    return params;
  }

  sample(_n: number, history: Observation[]): TrialParams | undefined {
    const tried = new Set(history.map((o) => key(o.params, this.names)));
    for (let i = 0; i < this.size; i++) {
      const params = this.combination(i);
      if (!tried.has(key(params, this.names))) return params;
    }
    return undefined;
  }
}
