import type { onnx } from 'onnx-proto';
import { makeTensor, readTensor, tensorDims } from '../onnx/tensor';
import { checkModel } from '../onnx/validate';
import { LatheError } from '../workspace/errors';
import type { LoraAdapter } from './adapter';
import { cloneModel, linearSites, type LinearSite } from './inject';

/** The one way every node reads `weight`: merging needs a single delta that is right for all of them. */
function siteOf(sites: LinearSite[], weight: string): LinearSite {
  const using = sites.filter((s) => s.weight === weight);
  if (using.length === 0) {
    throw new LatheError('adapter-mismatch', `the adapter adapts '${weight}', which is not a MatMul/Gemm weight of the base model`, {
      hint: 'merge it into the base it was trained on',
    });
  }
  if (using.some((s) => s.transposed !== using[0].transposed || s.gemmAlpha !== using[0].gemmAlpha)) {
    throw new LatheError('unsupported-merge', `'${weight}' is read by nodes with different transB/alpha, so no single merged weight fits them all`);
  }
  return using[0];
}

/**
 * The base graph with W' = W + scale·A·B in place of each adapted weight (divided by Gemm's alpha, transposed
 * for transB): the same nodes as the base, so no extra latency. Check the adapter's base first (checkAdapterBase).
 */
export function mergeLora(base: onnx.IModelProto, adapter: LoraAdapter): onnx.ModelProto {
  const model = cloneModel(base);
  const graph = model.graph as onnx.GraphProto;
  const sites = linearSites(graph);
  for (const spec of adapter.adapters) {
    const site = siteOf(sites, spec.weight);
    const index = graph.initializer.findIndex((t) => t.name === spec.weight);
    const w = readTensor(graph.initializer[index]);
    const [fanIn, fanOut] = site.inOut;
    const a = adapter.tensors.get(spec.a)!;
    const b = adapter.tensors.get(spec.b)!;
    const r = spec.rank;
    if (a.length !== fanIn * r || b.length !== r * fanOut) {
      throw new LatheError('adapter-mismatch', `the adapter of '${spec.weight}' is shaped for another weight (A ${a.length} values, B ${b.length}; the weight is ${fanIn}×${fanOut})`);
    }
    const merged = (w.data as Float32Array | Float64Array).slice();
    const factor = spec.scale / site.gemmAlpha;
    // accumulate in double precision: the merged model must equal base + adapter to float32 rounding
    const row = new Float64Array(fanOut);
    for (let i = 0; i < fanIn; i++) {
      row.fill(0);
      for (let k = 0; k < r; k++) {
        const aik = a[i * r + k];
        if (aik === 0) continue;
        for (let j = 0; j < fanOut; j++) row[j] += aik * b[k * fanOut + j];
      }
      for (let j = 0; j < fanOut; j++) merged[site.transposed ? j * fanIn + i : i * fanOut + j] += factor * row[j];
    }
    graph.initializer[index] = makeTensor(spec.weight, merged, tensorDims(graph.initializer[index]));
  }
  checkModel(model, 'merged LoRA model');
  return model;
}
