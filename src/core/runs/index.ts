/** Experiment runs: the public API the CLI and the extension use. */
export { compareRecords, compareRuns, metricGoal, type MetricCell, type MetricGoal, type MetricRow, type ParamRow, type RunComparison, seriesStats } from './compare';
export { cancelRun, deleteRun, type CancelOptions } from './control';
export { METRIC_PREFIX, metricStats, metricWarnings, parseMetrics, type MetricPoint, type MetricSeries, type MetricsData, type MetricStats } from './metrics';
export { parseParamAssignments, parseParamValue } from './params';
export { effectiveRecord, OWNER_DIED, RUN_STATUSES, runPaths, type GitState, type ParamValue, type RunRecord, type RunStatus } from './record';
export { startRun, type RunHandle, type RunOptions, type RunSpec } from './start';
export { listRuns, readMetrics, readRun, resolveRunId, runLogPaths, type ListRunsOptions } from './store';
