// The public face of core/quantize: graph preparation, quantization methods and their evaluation. Each method
// is pure: a model in, a new model and a report out; the caller's model is never modified.
export { quantizeDynamic, type DynamicOptions, type DynamicReport } from './dynamic';
export { evaluateModels, generateInputs, type EvaluateOptions, type EvaluationReport, type Feeds, type Latency, type OutputAgreement } from './evaluate';
export { convertFloat16, DEFAULT_FP16_BLOCK_LIST, type Fp16Options, type Fp16Report } from './fp16';
export { quantizeInt4, type Int4Options, type Int4Report } from './int4';
export { prepareModel, type PrepareReport } from './prepare';
export { calibrate, type CalibrationMethod, type CalibrationOptions, type Range } from './calibrate';
export { QUANTIZABLE_OPS, quantizeStatic, type ActivationType, type StaticOptions, type StaticReport } from './static';
export { factorizeLowRank, type LowRankOptions, type LowRankReport } from './lowRank';
export { pruneMagnitude, type PruneOptions, type PruneReport } from './prune';
export { svd, type Svd } from './svd';
export { quantizeAuto, type AutoCandidate, type AutoOptions, type AutoResult } from './auto';
export { loadInputs, type LoadedInputs } from './inputs';
export { quantizeModelVersion, QUANTIZE_METHODS, type QuantizeMethod, type QuantizeRequest, type QuantizeResult } from './job';
export { taskMetric, type TaskMetric } from './task';
export { formatQuantizeResult } from './format';
