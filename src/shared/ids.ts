/**
 * Command, view and context ids: declared once here, used by the extension and checked against
 * package.json's contributions by a unit test (test/unit/manifest.test.ts).
 */
export const Views = {
  container: 'lathe',
  datasets: 'lathe.datasets',
  models: 'lathe.models',
  runs: 'lathe.runs',
} as const;

export const Commands = {
  refresh: 'lathe.refresh',
  initWorkspace: 'lathe.initWorkspace',
  showOutput: 'lathe.showOutput',

  trackDataset: 'lathe.dataset.track',
  checkoutDataset: 'lathe.dataset.checkout',
  diffDataset: 'lathe.dataset.diff',
  diffDatasetWithPrevious: 'lathe.dataset.diffWithPrevious',
  copyDatasetPath: 'lathe.dataset.copyPath',
  revealDataset: 'lathe.dataset.reveal',
  pushDatasets: 'lathe.dataset.push',
  pullDatasets: 'lathe.dataset.pull',

  registerModel: 'lathe.model.register',
  setModelAlias: 'lathe.model.setAlias',
  exportModel: 'lathe.model.export',
  showModelLineage: 'lathe.model.showLineage',
  showModelDetails: 'lathe.model.show',
  compareModelVersions: 'lathe.model.compareVersions',
  quantizeModel: 'lathe.model.quantize',
  loraTrain: 'lathe.model.loraTrain',
  loraMerge: 'lathe.model.loraMerge',
  distillModel: 'lathe.model.distill',

  runExperiment: 'lathe.run.start',
  cancelRun: 'lathe.run.cancel',
  openRunLogs: 'lathe.run.openLogs',
  compareRuns: 'lathe.run.compare',
  compareRunsReport: 'lathe.run.compareReport',
  deleteRun: 'lathe.run.delete',
  showRunDetails: 'lathe.run.show',
  showSweep: 'lathe.sweep.show',

  // the code lenses of pipeline files invoke these with (pipeline URI, stage name)
  pipelineRun: 'lathe.pipeline.run',
  pipelineRunStage: 'lathe.pipeline.runStage',
  pipelineShowDag: 'lathe.pipeline.showDag',
  pipelineRunSweep: 'lathe.pipeline.runSweep',
} as const;

/** Webview panel view types (also the keys their serializers restore them by). */
export const Panels = {
  experiments: 'lathe.experiments',
  sweep: 'lathe.sweep',
  models: 'lathe.modelVersions',
} as const;

export type CommandId = (typeof Commands)[keyof typeof Commands];

/** Tree item contextValues, used in package.json `when` clauses of context menus. */
export const TreeContext = {
  dataset: 'lathe.dataset',
  datasetVersion: 'lathe.datasetVersion',
  model: 'lathe.model',
  modelVersion: 'lathe.modelVersion',
  /** A LoRA adapter version (registry kind 'adapter'). */
  adapterVersion: 'lathe.modelVersion.adapter',
  runGroup: 'lathe.runGroup',
  run: 'lathe.run',
  runRunning: 'lathe.run.running',
} as const;

/** The language id of pipeline files (lathe.yaml, *.lathe.yaml), served by the language server. */
export const PIPELINE_LANGUAGE = 'lathe-pipeline';
