import { onnx } from 'onnx-proto';
import { checkModel } from '../onnx/validate';
import type { StepModel } from './step';

/** The name of a per-step input or output (data, learning rate, step count, loss...) of step `i` in an unrolled model. */
export const stepValue = (name: string, i: number) => `step${i}/${name}`;

/**
 * A per-step input or output of step `i`: its name and its symbolic dimensions (the batch size) are the step's own,
 * so steps of one run may differ in batch size (an epoch's last batch).
 */
function perStep(v: onnx.IValueInfoProto, i: number): onnx.IValueInfoProto {
  const shape = v.type?.tensorType?.shape;
  if (!shape) return { ...v, name: stepValue(v.name ?? '', i) };
  const dim = (shape.dim ?? []).map((d) => (d.dimParam ? { ...d, dimParam: stepValue(d.dimParam, i) } : d));
  return { ...v, name: stepValue(v.name ?? '', i), type: { ...v.type, tensorType: { ...v.type!.tensorType, shape: { ...shape, dim } } } };
}

/**
 * `k` training steps as one model: the step graph repeated, each copy reading the parameters and optimizer state the
 * previous copy wrote. The carried tensors keep their input and output names, so a session swaps them as it does
 * for one step; every other input and output (batch, learning rate, step count, loss, accuracy) is per step, named
 * by `stepValue`. Why: onnxruntime-node hands each output back through a copy that costs more per byte than the
 * kernels that computed it (a step's updated weights, hundreds of µs at batch 64 in a ~0.6 ms step); here the
 * weights cross once per `k` steps. Undefined when the graph has subgraphs (If/Loop bodies read outer values by
 * name, which the copies rename).
 */
export function unrollSteps(step: StepModel, k: number): onnx.ModelProto | undefined {
  const graph = step.model.graph ?? {};
  const nodes = graph.node ?? [];
  if (nodes.some((n) => (n.attribute ?? []).some((a) => a.g || (a.graphs ?? []).length))) return undefined;
  const constants = new Set((graph.initializer ?? []).map((t) => t.name ?? ''));
  const carriedOutputs = new Map([...step.carried].map(([input, output]) => [output, input]));
  const node: onnx.INodeProto[] = [];
  const input: onnx.IValueInfoProto[] = [];
  const output: onnx.IValueInfoProto[] = [];
  for (let i = 0; i < k; i++) {
    const rename = (name: string): string => {
      if (!name || constants.has(name)) return name;
      if (step.carried.has(name)) return i === 0 ? name : stepValue(step.carried.get(name)!, i - 1);
      if (carriedOutputs.has(name) && i === k - 1) return name;
      return stepValue(name, i);
    };
    for (const n of nodes) {
      node.push({ ...n, name: stepValue(n.name ?? '', i), input: (n.input ?? []).map(rename), output: (n.output ?? []).map(rename) });
    }
    for (const v of graph.input ?? []) {
      const name = v.name ?? '';
      if (constants.has(name) || (step.carried.has(name) && i > 0)) continue;
      input.push(step.carried.has(name) ? v : perStep(v, i));
    }
    for (const v of graph.output ?? []) {
      const name = v.name ?? '';
      if (carriedOutputs.has(name) && i < k - 1) continue;
      output.push(carriedOutputs.has(name) ? v : perStep(v, i));
    }
  }
  // value_info would need renaming too and only helps shape inference, which ORT redoes
  const model = onnx.ModelProto.create({ ...step.model, graph: { ...graph, node, input, output, valueInfo: [] } });
  checkModel(model, `${k} unrolled training steps`);
  return model;
}
