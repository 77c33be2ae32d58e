import * as ort from 'onnxruntime-node';
import type { onnx } from 'onnx-proto';
import { valueInfo } from '../onnx/builder';
import { elemTypeName } from '../onnx/dtypes';
import { encodeModel } from '../onnx/model';
import { checkModel } from '../onnx/validate';
import { LatheError } from '../workspace/errors';
import type { AdapterArray, LoraAdapter } from './adapter';
import { addBranch, cloneModel, freshNamer, linearSites } from './inject';

interface ServedWeight {
  weight: string;
  /** Graph input names of A [in, r] and B [r, out]. */
  a: string;
  b: string;
  inOut: [number, number];
  float64: boolean;
}

export interface ServingModel {
  /** The base with every adapted weight's A/B as graph inputs (any rank: the rank dimension is symbolic). */
  model: onnx.ModelProto;
  weights: ServedWeight[];
}

/**
 * One graph for many adapters on a base: each weight any of them adapts gets a branch (x·A)·B whose A and B are
 * graph inputs. B is fed already multiplied by the adapter's scale; an adapter that leaves a weight alone feeds
 * a zero rank-1 pair.
 */
export function buildServingModel(base: onnx.IModelProto, weights: readonly string[]): ServingModel {
  const model = cloneModel(base);
  const graph = model.graph as onnx.GraphProto;
  const fresh = freshNamer(graph);
  const served = new Map<string, ServedWeight>();
  for (const site of linearSites(graph).filter((s) => weights.includes(s.weight))) {
    let w = served.get(site.weight);
    if (!w) {
      const t = graph.initializer.find((i) => i.name === site.weight)!;
      const float64 = elemTypeName(t.dataType ?? 0) === 'float64';
      w = { weight: site.weight, a: fresh(`${site.weight}.lora_A`), b: fresh(`${site.weight}.lora_B`), inOut: site.inOut, float64 };
      const rank = fresh(`${site.weight}.rank`);
      graph.input.push(valueInfo(w.a, float64 ? 'float64' : 'float32', [site.inOut[0], rank]), valueInfo(w.b, float64 ? 'float64' : 'float32', [rank, site.inOut[1]]));
      served.set(site.weight, w);
    }
    addBranch(graph, site, { a: w.a, b: w.b }, fresh);
  }
  const missing = weights.filter((name) => !served.has(name));
  if (missing.length) {
    throw new LatheError('adapter-mismatch', `the base model has no MatMul/Gemm weight ${missing.map((m) => `'${m}'`).join(', ')} that an adapter adapts`);
  }
  checkModel(model, 'LoRA serving model');
  return { model, weights: [...served.values()] };
}

/**
 * Serves several adapters of one base from one onnxruntime session: each request names its adapter (or null for
 * the base alone) and gets the outputs the merged model of that adapter would give.
 */
export class LoraServer {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly feeds: Map<string | null, Record<string, ort.Tensor>>,
  ) {}

  static async create(base: onnx.IModelProto, adapters: Record<string, LoraAdapter>, options: { threads?: number } = {}): Promise<LoraServer> {
    const weights = [...new Set(Object.values(adapters).flatMap((a) => a.adapters.map((s) => s.weight)))];
    const serving = buildServingModel(base, weights);
    const zeros = (w: ServedWeight, n: number) => (w.float64 ? new Float64Array(n) : new Float32Array(n));
    const tensor = (w: ServedWeight, data: AdapterArray, dims: number[]) => new ort.Tensor(w.float64 ? 'float64' : 'float32', w.float64 ? Float64Array.from(data) : Float32Array.from(data), dims);
    const feedsOf = (adapter: LoraAdapter | null): Record<string, ort.Tensor> => {
      const feeds: Record<string, ort.Tensor> = {};
      for (const w of serving.weights) {
        const spec = adapter?.adapters.find((s) => s.weight === w.weight);
        const [fanIn, fanOut] = w.inOut;
        if (!spec) {
          feeds[w.a] = tensor(w, zeros(w, fanIn), [fanIn, 1]);
          feeds[w.b] = tensor(w, zeros(w, fanOut), [1, fanOut]);
          continue;
        }
        const b = adapter!.tensors.get(spec.b)!.map((v) => v * spec.scale);
        feeds[w.a] = tensor(w, adapter!.tensors.get(spec.a)!, [fanIn, spec.rank]);
        feeds[w.b] = tensor(w, b, [spec.rank, fanOut]);
      }
      return feeds;
    };
    const feeds = new Map<string | null, Record<string, ort.Tensor>>([[null, feedsOf(null)]]);
    for (const [name, adapter] of Object.entries(adapters)) feeds.set(name, feedsOf(adapter));
    const session = await ort.InferenceSession.create(encodeModel(serving.model), {
      graphOptimizationLevel: 'all',
      ...(options.threads ? { intraOpNumThreads: options.threads, interOpNumThreads: 1 } : {}),
    });
    return new LoraServer(session, feeds);
  }

  get adapterNames(): string[] {
    return [...this.feeds.keys()].filter((k): k is string => k !== null);
  }

  /** Run one request with `adapter`'s weights (null: the base model). */
  async run(adapter: string | null, inputs: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
    const weights = this.feeds.get(adapter);
    if (!weights) {
      throw new LatheError('not-found', `no adapter '${adapter}' is loaded`, { hint: `loaded adapters: ${this.adapterNames.join(', ') || 'none'}` });
    }
    return (await this.session.run({ ...inputs, ...weights })) as Record<string, ort.Tensor>;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
