// The public face of core/registry: model versions, aliases, lineage and export.
export { removeAlias, setAlias, type AliasChange } from './aliases';
export { exportModel, type ExportResult } from './export';
export { modelLineage } from './lineage';
export { aliasProblem, parseModelRef, STANDARD_ALIASES, versionRef, type ModelRef } from './names';
export { aliasHistory, listModels, modelAliases, modelVersions, resolveModelRef } from './query';
export { registerModel, registerModelBytes, type RegisterOptions } from './register';
export type {
  AliasMove,
  AliasRecord,
  LineageNode,
  LineageRun,
  ModelIo,
  ModelLineage,
  ModelLineageInfo,
  ModelOnnxInfo,
  ModelSummary,
  ModelVersion,
  RegisteredModel,
} from './types';
