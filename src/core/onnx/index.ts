// The public face of core/onnx: reading, writing, inspecting and building ONNX models.
export { elemTypeCode, elemTypeName, type ElemType } from './dtypes';
export { attr, DEFAULT_OPSET, GraphBuilder, irVersionFor, type AttrValue, type BuildOptions, type TypedAttr } from './builder';
export { externalDataFiles, externalDataRefs, loadExternalData, type ExternalRef } from './external';
export { coreOpset, inspectModel, type Dim, type ModelInspection, type ValueSpec } from './inspect';
export { toNumber } from './long';
export { buildMlp, MLP_ACTIVATIONS, type MlpActivation, type MlpOptions } from './mlp';
export { seededRandom } from './random';
export { decodeModel, encodeModel, loadModel, readModelBytes, saveModel } from './model';
export { elementCount, makeTensor, readTensor, tensorDims, type TensorData } from './tensor';
export { checkModel, MAX_OPSET, normalizeDomain } from './validate';
export { forEachGraph, storedTensors, subgraphsOf } from './walk';
