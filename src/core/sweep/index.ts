/** The sweep engine: the public API the CLI and the extension use. */
export { runSweep, type SweepRequest, type SweepRunOptions, type SweepRunResult, type TrialResult } from './engine';
export { GridSampler, gridValues } from './grid';
export { AshaPruner, createPruner, hyperbandPruner, MedianPruner, MEDIAN_MIN_COMPLETED, type Pruner, type TrialProgress } from './pruners';
export { RandomSampler } from './randomSampler';
export { createSampler, type Observation, type Sampler } from './sampler';
export { readSweepSpec, type ParamSpace, type SweepSpec, type TrialParams } from './space';
export { TpeSampler, type TpeOptions } from './tpe';
