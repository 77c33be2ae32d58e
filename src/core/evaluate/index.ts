// The public face of core/evaluate: a model version scored on labelled rows (metrics, latency, size).
export { evaluateModel, type EvaluateRequest, type EvaluateResult, type EvaluationReport } from './job';
export { formatEvaluation } from './format';
export {
  accuracy,
  computeMetrics,
  defaultMetrics,
  EVALUATION_METRICS,
  meanAbsoluteError,
  meanSquaredError,
  precisionRecallF1,
  rocAuc,
  type EvaluationMetric,
  type Scores,
} from './metrics';
export { predictBatches, type Batch, type Predictions } from './predict';
