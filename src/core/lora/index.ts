// The public face of core/lora: low-rank adapters on ONNX linear layers — inject, save, merge, serve, train.
export { ADAPTER_KEY, adapterModel, checkAdapterBase, extractAdapter, loadAdapter, parseAdapter, saveAdapter, type LoraAdapter } from './adapter';
export { applyLora, ATTENTION_QV, loraScale, type LoraAdapterSpec, type LoraModel, type LoraOptions } from './inject';
export { mergeLora } from './merge';
export { buildServingModel, LoraServer, type ServingModel } from './serve';
export { LORA_DEFAULTS, mergeLoraAdapter, trainLoraAdapter, type LoraJobOptions, type LoraMergeRequest, type LoraMergeResult, type LoraTrainRequest, type LoraTrainResult } from './job';
export { formatLoraMergeResult, formatLoraTrainResult } from './format';
