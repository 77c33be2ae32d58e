import type { PipelineModel } from '../pipeline/model';
import { didYouMean } from '../pipeline/suggest';
import type { ParamValue } from '../runs/record';
import { LatheError } from '../workspace/errors';

/** One parameter's search space, as the pipeline's `sweeps.<name>.parameters` define it. */
export type ParamSpace =
  | { name: string; kind: 'uniform' | 'log_uniform' | 'int_uniform'; min: number; max: number; step?: number }
  | { name: string; kind: 'categorical'; values: ParamValue[] };

export type SweepMethod = 'grid' | 'random' | 'tpe';
export type SweepGoal = 'maximize' | 'minimize';

export interface EarlyTerminate {
  type: 'median' | 'asha' | 'hyperband';
  /** Steps before a trial can be stopped (default 1). */
  minIter: number;
  maxIter?: number;
  /** Reduction factor (default 3). */
  eta: number;
}

/** A sweep of the pipeline, with its defaults filled in. */
export interface SweepSpec {
  name: string;
  stage: string;
  method: SweepMethod;
  metric: { name: string; goal: SweepGoal };
  parameters: ParamSpace[];
  trials?: number;
  parallel: number;
  earlyTerminate?: EarlyTerminate;
  executor: string;
  seed: number;
}

/** Trial params as a sampler returns them: one value per parameter of the space. */
export type TrialParams = Record<string, ParamValue>;

const DEFAULT_ETA = 3;

function paramSpace(name: string, raw: Record<string, unknown>): ParamSpace {
  const distribution = typeof raw.distribution === 'string' ? raw.distribution : undefined;
  if (distribution === 'categorical' || (!distribution && Array.isArray(raw.values))) return { name, kind: 'categorical', values: (raw.values as ParamValue[]) ?? [] };
  const step = typeof raw.step === 'number' ? raw.step : undefined;
  return { name, kind: distribution as 'uniform' | 'log_uniform' | 'int_uniform', min: raw.min as number, max: raw.max as number, ...(step !== undefined ? { step } : {}) };
}

/**
 * The named sweep of a pipeline that validated without errors (so its fields have the schema's types). An unknown
 * name is an error naming the sweeps there are.
 */
export function readSweepSpec(model: PipelineModel, name: string): SweepSpec {
  const sweep = model.sweeps.get(name);
  if (!sweep?.node) {
    const guess = didYouMean(name, model.sweeps.keys())[0];
    throw new LatheError('not-found', `no sweep '${name}' in ${model.file.uri}`, {
      file: model.file.uri,
      hint: guess ? `did you mean '${guess}'?` : `sweeps: ${[...model.sweeps.keys()].join(', ') || 'none (add one under `sweeps:`)'}`,
    });
  }
  const raw = sweep.node.toJSON() as Record<string, any>;
  const et = raw.early_terminate as Record<string, unknown> | undefined;
  return {
    name,
    stage: raw.stage,
    method: raw.method,
    metric: { name: raw.metric.name, goal: raw.metric.goal },
    parameters: Object.entries((raw.parameters ?? {}) as Record<string, Record<string, unknown>>).map(([p, v]) => paramSpace(p, v ?? {})),
    ...(typeof raw.trials === 'number' ? { trials: raw.trials } : {}),
    parallel: typeof raw.parallel === 'number' ? raw.parallel : 1,
    ...(et ? { earlyTerminate: { type: et.type as EarlyTerminate['type'], minIter: (et.min_iter as number) ?? 1, ...(typeof et.max_iter === 'number' ? { maxIter: et.max_iter } : {}), eta: (et.eta as number) ?? DEFAULT_ETA } } : {}),
    executor: typeof raw.executor === 'string' ? raw.executor : 'local',
    seed: typeof raw.seed === 'number' ? raw.seed : 0,
  };
}

/** Snap a value of a numeric space onto its step (from `min`) and into its bounds; ints are rounded. */
export function snap(space: Extract<ParamSpace, { min: number }>, x: number): number {
  let v = x;
  const step = space.step ?? (space.kind === 'int_uniform' ? 1 : undefined);
  if (step !== undefined) v = space.min + Math.round((v - space.min) / step) * step;
  if (space.kind === 'int_uniform') v = Math.round(v);
  else if (step !== undefined) v = Number(v.toPrecision(12)); // 0.1 + 2 * 0.1 is 0.30000000000000004
  if (v > space.max) v = step !== undefined ? v - step : space.max;
  return Math.min(space.max, Math.max(space.min, v));
}
