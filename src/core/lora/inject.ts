import { onnx } from 'onnx-proto';
import { elemTypeName } from '../onnx/dtypes';
import { makeTensor, tensorDims } from '../onnx/tensor';
import { seededRandom } from '../onnx/random';
import { checkModel } from '../onnx/validate';
import { LatheError } from '../workspace/errors';

export interface LoraOptions {
  /** 'all-linear', 'attention-qv', or a RegExp source matched against weight initializer names. */
  targets: 'all-linear' | 'attention-qv' | string;
  rank: number;
  alpha: number;
  /** Dropout on the adapter's input while training (0: none). */
  dropout?: number;
  /** Scale by alpha/√rank (rank-stabilized LoRA) instead of alpha/rank. */
  rslora?: boolean;
  /** Seeds A's initialisation. */
  seed: number;
}

export interface LoraAdapterSpec {
  /** The frozen base weight this adapter adds to. */
  weight: string;
  /** A [in, rank] and B [rank, out] initializer names. */
  a: string;
  b: string;
  rank: number;
  scale: number;
}

export interface LoraModel {
  model: onnx.ModelProto;
  adapters: LoraAdapterSpec[];
  /** The A and B names: what training updates (the base weights stay frozen inside the graph). */
  trainable: string[];
}

/**
 * Query and value projection names of common exporters: PyTorch/Hugging Face (q_proj, v_proj, query, value,
 * to_q, to_v, q_lin, v_lin) and hand-written graphs (Wq, Wv, w_q, w_v, q, v), as whole name parts.
 */
export const ATTENTION_QV = /(?:^|[^a-z0-9])(?:q|v|wq|wv|w_q|w_v|q_proj|v_proj|query|value|to_q|to_v|q_lin|v_lin)(?:[^a-z0-9]|$)/i;

/** A linear node whose weight is a constant 2-D float matrix, in [in, out] terms. */
export interface LinearSite {
  node: onnx.INodeProto;
  weight: string;
  /** [in, out] of the product x·W. */
  inOut: [number, number];
  /** The weight is stored [out, in] (Gemm transB). */
  transposed: boolean;
  /** Gemm's alpha, which scales x·W but not the adapter's branch. */
  gemmAlpha: number;
}

function attribute(node: onnx.INodeProto, name: string): onnx.IAttributeProto | undefined {
  return (node.attribute ?? []).find((a) => a.name === name);
}

/** Every MatMul/Gemm of the main graph that multiplies by a constant 2-D float weight, in node order. */
export function linearSites(graph: onnx.IGraphProto): LinearSite[] {
  const weights = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const sites: LinearSite[] = [];
  for (const node of graph.node ?? []) {
    if (node.opType !== 'MatMul' && node.opType !== 'Gemm') continue;
    const weight = node.input?.[1] ?? '';
    const t = weights.get(weight);
    if (!t || !['float32', 'float64'].includes(elemTypeName(t.dataType ?? 0))) continue;
    const dims = tensorDims(t);
    if (dims.length !== 2) continue;
    const gemm = node.opType === 'Gemm';
    // x transposed (Gemm transA) has no row-wise adapter form
    if (gemm && Number(attribute(node, 'transA')?.i ?? 0)) continue;
    const transposed = gemm && Number(attribute(node, 'transB')?.i ?? 0) === 1;
    sites.push({
      node,
      weight,
      inOut: transposed ? [dims[1], dims[0]] : [dims[0], dims[1]],
      transposed,
      gemmAlpha: gemm ? (attribute(node, 'alpha')?.f ?? 1) : 1,
    });
  }
  return sites;
}

function targetPattern(targets: string): RegExp {
  if (targets === 'all-linear') return /.*/;
  if (targets === 'attention-qv') return ATTENTION_QV;
  try {
    return new RegExp(targets);
  } catch (e) {
    throw new LatheError('usage', `--targets '${targets}' is not a valid regular expression: ${(e as Error).message}`, {
      hint: "use 'all-linear', 'attention-qv' or a RegExp matched against weight names",
    });
  }
}

/** The weights `targets` selects among the model's linear weights; selecting none is an error naming them. */
export function selectTargets(graph: onnx.IGraphProto, targets: string): LinearSite[] {
  const sites = linearSites(graph);
  const candidates = [...new Set(sites.map((s) => s.weight))];
  if (candidates.length === 0) {
    throw new LatheError('no-lora-targets', 'the model has no MatMul/Gemm with a constant 2-D float weight to adapt', {
      hint: 'LoRA adapts linear layers whose weights are initializers',
    });
  }
  const pattern = targetPattern(targets);
  const picked = sites.filter((s) => pattern.test(s.weight));
  if (picked.length === 0) {
    throw new LatheError('no-lora-targets', `--targets '${targets}' matches none of the model's linear weights`, {
      hint: `candidates: ${candidates.slice(0, 20).join(', ')}${candidates.length > 20 ? ', ...' : ''}`,
    });
  }
  return picked;
}

export function loraScale(options: Pick<LoraOptions, 'rank' | 'alpha' | 'rslora'>): number {
  return options.rslora ? options.alpha / Math.sqrt(options.rank) : options.alpha / options.rank;
}

/** A name no value of the graph has yet, built from `base`. */
export function freshNamer(graph: onnx.IGraphProto): (base: string) => string {
  const used = new Set<string>();
  for (const v of [...(graph.input ?? []), ...(graph.output ?? [])]) used.add(v.name ?? '');
  for (const t of graph.initializer ?? []) used.add(t.name ?? '');
  for (const n of graph.node ?? []) for (const o of n.output ?? []) used.add(o);
  return (base) => {
    let name = base;
    for (let i = 1; used.has(name); i++) name = `${base}_${i}`;
    used.add(name);
    return name;
  };
}

export interface Branch {
  a: string;
  b: string;
  /** A scalar initializer multiplying the branch (absent: B already carries the scale). */
  scale?: string;
  /** A scalar ratio initializer: the branch's input goes through Dropout (identity at inference). */
  dropout?: string;
}

/**
 * Rewrite `site.node` so its output becomes node(x, W) + [scale·]((dropout(x)·A)·B), with the new nodes right
 * after it (the graph stays in topological order).
 */
export function addBranch(graph: onnx.IGraphProto, site: LinearSite, branch: Branch, fresh: (base: string) => string): void {
  const nodes = graph.node as onnx.INodeProto[];
  const node = site.node;
  const x = node.input![0];
  const y = node.output![0];
  const prefix = `${site.weight}.lora`;
  const baseOut = fresh(`${y}.base`);
  node.output![0] = baseOut;
  const added: onnx.INodeProto[] = [];
  const op = (opType: string, inputs: string[], name: string, out = fresh(`${prefix}.${name}`)) => {
    added.push(onnx.NodeProto.create({ opType, domain: '', name: fresh(`${prefix}.${name}_node`), input: inputs, output: [out] }));
    return out;
  };
  const input = branch.dropout ? op('Dropout', [x, branch.dropout], 'dropout') : x;
  const down = op('MatMul', [input, branch.a], 'down');
  let up = op('MatMul', [down, branch.b], 'up');
  if (branch.scale) up = op('Mul', [up, branch.scale], 'scaled');
  op('Add', [baseOut, up], 'add', y);
  nodes.splice(nodes.indexOf(node) + 1, 0, ...added);
}

export function cloneModel(model: onnx.IModelProto): onnx.ModelProto {
  return onnx.ModelProto.decode(onnx.ModelProto.encode(model).finish());
}

function checkOptions(options: LoraOptions): void {
  if (!Number.isInteger(options.rank) || options.rank < 1) throw new LatheError('usage', `the LoRA rank must be a positive integer, got ${options.rank}`);
  if (!(options.alpha > 0)) throw new LatheError('usage', `the LoRA alpha must be positive, got ${options.alpha}`);
  const dropout = options.dropout ?? 0;
  if (!(dropout >= 0 && dropout < 1)) throw new LatheError('usage', `the LoRA dropout must be in [0, 1), got ${dropout}`);
}

/**
 * Add low-rank adapters to the linear layers `options.targets` selects: for each weight W [in, out] (MatMul, or
 * Gemm minding transB) y = x·W + scale·((dropout(x)·A)·B), A [in, r] Kaiming-uniform (±1/√in, PyTorch's
 * kaiming_uniform_(a=√5) as PEFT uses it), B [r, out] zeros, so the adapted model starts equal to the base.
 * The base weights stay initializers (frozen inside a training step); `trainable` lists the A/B names.
 */
export function applyLora(base: onnx.IModelProto, options: LoraOptions): LoraModel {
  checkOptions(options);
  const model = cloneModel(base);
  const graph = model.graph as onnx.GraphProto;
  const sites = selectTargets(graph, options.targets);
  const fresh = freshNamer(graph);
  const random = seededRandom(options.seed);
  const scale = loraScale(options);
  const adapters = new Map<string, LoraAdapterSpec>();
  const dropout = options.dropout ? fresh('lora.dropout_ratio') : undefined;
  let scaleName: string | undefined;
  for (const site of sites) {
    let spec = adapters.get(site.weight);
    if (!spec) {
      // one adapter per weight, shared by every node reading it
      const w = graph.initializer.find((t) => t.name === site.weight)!;
      const [fanIn, fanOut] = site.inOut;
      const Float = elemTypeName(w.dataType ?? 0) === 'float64' ? Float64Array : Float32Array;
      const bound = 1 / Math.sqrt(fanIn);
      const a = new Float(fanIn * options.rank);
      for (let i = 0; i < a.length; i++) a[i] = (2 * random() - 1) * bound;
      spec = { weight: site.weight, a: fresh(`${site.weight}.lora_A`), b: fresh(`${site.weight}.lora_B`), rank: options.rank, scale };
      graph.initializer.push(makeTensor(spec.a, a, [fanIn, options.rank]), makeTensor(spec.b, new Float(options.rank * fanOut), [options.rank, fanOut]));
      if (!scaleName) {
        scaleName = fresh('lora.scale');
        graph.initializer.push(makeTensor(scaleName, Float.of(scale), []));
        if (dropout) graph.initializer.push(makeTensor(dropout, Float.of(options.dropout!), []));
      }
      adapters.set(site.weight, spec);
    }
    addBranch(graph, site, { a: spec.a, b: spec.b, scale: scaleName, dropout }, fresh);
  }
  checkModel(model, 'LoRA model');
  const list = [...adapters.values()];
  return { model, adapters: list, trainable: list.flatMap((s) => [s.a, s.b]) };
}
