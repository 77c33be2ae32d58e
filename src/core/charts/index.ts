/** Chart data for webview panels: downsampling, smoothing, run colours, CSV export and the experiments model. */
export { scaleToUnit, unitToValue } from './axis';
export { runHue, runHues } from './colors';
export { csvCell, toCsv } from './csv';
export { EXPECTED_PLOT_WIDTH, ExperimentsData, FIRST_PAINT_BUDGET_MS, type SnapshotMessage, type UpdateMessage } from './experiments';
export { downsampleIndices, lttb } from './lttb';
export { downsampleXY, seriesData, seriesDelta, seriesXY, type SentSeries, type XY } from './series';
export { smoothEma } from './smoothing';
export { fanovaImportance, type Importance, type ImportanceOptions } from './importance';
export { layoutGraph, lineageGraph, modelBar, modelsCsv, modelsView } from './models';
export {
  bestSoFar,
  buildSweep,
  IMPORTANCE_METHOD,
  listSweeps,
  PRUNED_TAG,
  readSweep,
  resolveObjective,
  sweepAxes,
  sweepCsv,
  sweepImportance,
  sweepOf,
  sweepsIn,
  SWEEP_TAG_PREFIX,
  type SweepSummary,
  type TrialInput,
} from './sweep';
