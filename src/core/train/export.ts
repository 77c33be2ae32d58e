import { onnx } from 'onnx-proto';
import { makeTensor, tensorDims, type TensorData } from '../onnx/tensor';
import { checkModel } from '../onnx/validate';
import type { FloatArray } from './session';

/** The forward model with trained weights in place of its initial ones: a clean inference model. */
export function exportInference(forward: onnx.IModelProto, weights: ReadonlyMap<string, FloatArray>): onnx.ModelProto {
  const model = onnx.ModelProto.decode(onnx.ModelProto.encode(forward).finish());
  const graph = model.graph as onnx.GraphProto;
  graph.initializer = (graph.initializer ?? []).map((t) => {
    const w = weights.get(t.name ?? '');
    return w ? makeTensor(t.name ?? '', w as TensorData, tensorDims(t)) : t;
  });
  checkModel(model, 'trained model');
  return model;
}
