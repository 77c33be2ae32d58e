/** The pipeline runner: the public API the CLI and the extension use. */
export { registerBuiltinStage, type BuiltinStageContext, type BuiltinStageHandler } from './builtins';
export { hashPath } from './hash';
export { analyzePipelineFile, formatDiagnostic, loadPipeline, pipelineErrors, type LoadedPipeline } from './load';
export { LOCK_FILE, lockPathFor, readLock, type LockEntry, type LockFile } from './lock';
export { planPipeline, selectStages, type PlanItem, type PlannedStage } from './plan';
export { resolveStage, type ResolvedStage } from './resolve';
export { runPipeline, stageRunSpec, type PipelineRequest, type PipelineRunOptions, type PipelineRunResult, type StageResult, type StageStatus } from './run';
export { renderDagSvg, type DagPictureOptions } from './svg';
