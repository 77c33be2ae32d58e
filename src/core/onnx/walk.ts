import { onnx } from 'onnx-proto';

/** Graphs held by a node's attributes: the bodies of If/Loop/Scan and any other graph-valued attribute. */
export function subgraphsOf(node: onnx.INodeProto): onnx.IGraphProto[] {
  const graphs: onnx.IGraphProto[] = [];
  for (const attr of node.attribute ?? []) {
    if (attr.g) graphs.push(attr.g);
    for (const g of attr.graphs ?? []) graphs.push(g);
  }
  return graphs;
}

/** Visit `graph` and every nested subgraph, depth first; `depth` is 0 for the main graph. */
export function forEachGraph(graph: onnx.IGraphProto, visit: (graph: onnx.IGraphProto, depth: number) => void, depth = 0): void {
  visit(graph, depth);
  for (const node of graph.node ?? []) {
    for (const sub of subgraphsOf(node)) forEachGraph(sub, visit, depth + 1);
  }
}

/** Every tensor stored in the model: initializers and Constant values, subgraphs included. */
export function storedTensors(graph: onnx.IGraphProto): onnx.ITensorProto[] {
  const tensors: onnx.ITensorProto[] = [];
  forEachGraph(graph, (g) => {
    tensors.push(...(g.initializer ?? []));
    for (const sparse of g.sparseInitializer ?? []) if (sparse.values) tensors.push(sparse.values);
    for (const node of g.node ?? []) {
      if (node.opType !== 'Constant' || node.domain) continue;
      for (const attr of node.attribute ?? []) {
        if (attr.t) tensors.push(attr.t);
        if (attr.sparseTensor?.values) tensors.push(attr.sparseTensor.values);
      }
    }
  });
  return tensors;
}
