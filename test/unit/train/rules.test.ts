import { test } from 'node:test';
import { attr } from '../../../src/core/onnx/builder';
import { gradCheck, type GradCase } from './gradcheck';

const f64 = 'float64' as const;
const f32 = 'float32' as const;

function unary(op: string, type: 'float32' | 'float64', attrs: Record<string, ReturnType<typeof attr.float> | number | string> = {}, opset?: number, values?: number[]): GradCase {
  return { type, opset, params: { x: { dims: [2, 3], values } }, yShape: [2, 3], build: (g) => void g.node(op, ['x'], ['y'], attrs) };
}

function binary(op: string, aDims: number[], bDims: number[], yShape: number[], positive = false): GradCase {
  const pos = (dims: number[]) => (positive ? Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => 0.5 + ((i * 37) % 11) / 10) : undefined);
  return { type: f64, params: { a: { dims: aDims, values: pos(aDims) }, b: { dims: bDims, values: pos(bDims) } }, yShape, build: (g) => void g.node(op, ['a', 'b'], ['y']) };
}

const cases: Record<string, GradCase> = {
  'Add': binary('Add', [2, 3], [2, 3], [2, 3]),
  'Add broadcast [2,3]+[3]': binary('Add', [2, 3], [3], [2, 3]),
  'Add broadcast [2,1,3]+[4,1]': binary('Add', [2, 1, 3], [4, 1], [2, 4, 3]),
  'Add broadcast with shapes known only at run time': {
    type: f64, params: { a: { dims: [2, 3] }, b: { dims: [3, 1] } }, yShape: [3, 2],
    // Reshape to a computed shape hides both operand shapes from static inference
    build: (g) =>
      void g.initializer('t', new Float64Array(6), [3, 2]).initializer('u', new Float64Array(3), [3, 1])
        .node('Shape', ['t'], ['ts']).node('Shape', ['u'], ['us'])
        .node('Reshape', ['a', 'ts'], ['ra']).node('Reshape', ['b', 'us'], ['rb']).node('Add', ['ra', 'rb'], ['y']),
  },
  'Sub broadcast [2,3]-[2,1]': binary('Sub', [2, 3], [2, 1], [2, 3]),
  'Mul broadcast [3]*[2,3]': binary('Mul', [3], [2, 3], [2, 3]),
  'Div broadcast [2,3]/[1,3]': binary('Div', [2, 3], [1, 3], [2, 3], true),
  'MatMul 2D': binary('MatMul', [2, 3], [3, 4], [2, 4]),
  'MatMul batched with broadcast [2,2,3]x[3,4]': binary('MatMul', [2, 2, 3], [3, 4], [2, 2, 4]),
  'MatMul batched [2,2,3]x[2,3,2]': binary('MatMul', [2, 2, 3], [2, 3, 2], [2, 2, 2]),
  'Neg': unary('Neg', f64),
  'Abs': unary('Abs', f64),
  'Reciprocal': unary('Reciprocal', f64, {}, undefined, [0.5, 1, 1.5, -2, 2.5, -3]),
  'Sum of three with broadcast': {
    type: f64, params: { a: { dims: [2, 3] }, b: { dims: [3] }, c: { dims: [2, 1] } }, yShape: [2, 3],
    build: (g) => void g.node('Sum', ['a', 'b', 'c'], ['y']),
  },
  'Max broadcast': binary('Max', [2, 3], [3], [2, 3]),
  'Min broadcast': binary('Min', [2, 1], [2, 3], [2, 3]),
  'Relu': unary('Relu', f64),
  'LeakyRelu': unary('LeakyRelu', f32, { alpha: attr.float(0.1) }),
  'Sigmoid': unary('Sigmoid', f64),
  'Tanh': unary('Tanh', f64),
  'Exp': unary('Exp', f64),
  'Log': unary('Log', f64, {}, undefined, [0.5, 1, 1.5, 2, 2.5, 3]),
  'Sqrt': unary('Sqrt', f64, {}, undefined, [0.5, 1, 1.5, 2, 2.5, 3]),
  'Erf': unary('Erf', f32),
  'Gelu': unary('Gelu', f32, {}, 20),
  'Gelu tanh': unary('Gelu', f32, { approximate: 'tanh' }, 20),
  'Softmax': unary('Softmax', f64, { axis: 1 }),
  'Softmax axis 0': unary('Softmax', f64, { axis: 0 }),
  'LogSoftmax': unary('LogSoftmax', f64, { axis: -1 }),
  'HardSigmoid': unary('HardSigmoid', f32, { alpha: attr.float(0.3), beta: attr.float(0.4) }, undefined, [-3, -0.5, 0.2, 0.9, 1.5, 4]),
  'Identity': unary('Identity', f64),
  'Dropout (inference mode)': unary('Dropout', f32),
  'Cast float32 -> float64 -> float32': {
    type: f32, params: { x: { dims: [2, 3] } }, yShape: [2, 3],
    build: (g) => void g.node('Cast', ['x'], ['x64'], { to: 11 }).node('Mul', ['x64', 'x64'], ['sq']).node('Cast', ['sq'], ['y'], { to: 1 }),
  },
  'Pow constant exponent': {
    type: f64, params: { x: { dims: [2, 3], values: [0.5, 1, 1.5, 2, 2.5, 3] } }, yShape: [2, 3],
    build: (g, floats) => void g.initializer('p', floats([3]), []).node('Pow', ['x', 'p'], ['y']),
  },
  'Clip': {
    type: f64, params: { x: { dims: [2, 3], values: [-2, -0.3, 0.1, 0.4, 0.9, 3] } }, yShape: [2, 3],
    build: (g, floats) => void g.initializer('lo', floats([-0.5]), []).initializer('hi', floats([0.5]), []).node('Clip', ['x', 'lo', 'hi'], ['y']),
  },
  'Where': {
    type: f64, params: { a: { dims: [2, 3] }, b: { dims: [3] } }, yShape: [2, 3],
    build: (g) => void g.node('Greater', ['a', 'b'], ['cond']).node('Where', ['cond', 'a', 'b'], ['y']),
  },
  'Gemm transA transB alpha beta': {
    type: f64, params: { a: { dims: [3, 2] }, b: { dims: [4, 3] }, c: { dims: [4] } }, yShape: [2, 4],
    build: (g) => void g.node('Gemm', ['a', 'b', 'c'], ['y'], { transA: 1, transB: 1, alpha: attr.float(0.7), beta: attr.float(1.3) }),
  },
  'Gemm plain': {
    type: f64, params: { a: { dims: [2, 3] }, b: { dims: [3, 4] }, c: { dims: [2, 1] } }, yShape: [2, 4],
    build: (g) => void g.node('Gemm', ['a', 'b', 'c'], ['y']),
  },
  'Gemm transA only': {
    type: f64, params: { a: { dims: [3, 2] }, b: { dims: [3, 4] } }, yShape: [2, 4],
    build: (g) => void g.node('Gemm', ['a', 'b'], ['y'], { transA: 1 }),
  },
  'Gemm transB only': {
    type: f64, params: { a: { dims: [2, 3] }, b: { dims: [4, 3] } }, yShape: [2, 4],
    build: (g) => void g.node('Gemm', ['a', 'b'], ['y'], { transB: 1 }),
  },
  'ReduceSum axes 1 keepdims 0': {
    type: f64, params: { x: { dims: [2, 3, 2] } }, yShape: [2, 2],
    build: (g) => void g.initializer('axes', BigInt64Array.from([1n]), [1]).node('ReduceSum', ['x', 'axes'], ['y'], { keepdims: 0 }),
  },
  'ReduceSum all keepdims 1': {
    type: f64, params: { x: { dims: [2, 3] } }, yShape: [1, 1],
    build: (g) => void g.node('ReduceSum', ['x'], ['y']),
  },
  'ReduceMean axes [0, 2] (attribute, opset 17)': {
    type: f64, params: { x: { dims: [2, 3, 2] } }, yShape: [1, 3, 1],
    build: (g) => void g.node('ReduceMean', ['x'], ['y'], { axes: [0, 2] }),
  },
  'ReduceMean axes input (opset 18)': {
    type: f64, opset: 18, params: { x: { dims: [2, 3] } }, yShape: [2],
    build: (g) => void g.initializer('axes', BigInt64Array.from([-1n]), [1]).node('ReduceMean', ['x', 'axes'], ['y'], { keepdims: 0 }),
  },
  'Reshape': {
    type: f64, params: { x: { dims: [2, 3] } }, yShape: [3, 2],
    build: (g) => void g.initializer('shape', BigInt64Array.from([3n, -1n]), [2]).node('Reshape', ['x', 'shape'], ['r']).node('Mul', ['r', 'r'], ['y']),
  },
  'Flatten': {
    type: f64, params: { x: { dims: [2, 3, 2] } }, yShape: [2, 6],
    build: (g) => void g.node('Flatten', ['x'], ['r']).node('Tanh', ['r'], ['y']),
  },
  'Transpose': {
    type: f64, params: { x: { dims: [2, 3, 4] } }, yShape: [4, 2, 3],
    build: (g) => void g.node('Transpose', ['x'], ['t'], { perm: [2, 0, 1] }).node('Mul', ['t', 't'], ['y']),
  },
  'Squeeze and Unsqueeze': {
    type: f64, params: { x: { dims: [2, 1, 3] } }, yShape: [1, 2, 3],
    build: (g) =>
      void g.initializer('ax1', BigInt64Array.from([1n]), [1]).initializer('ax0', BigInt64Array.from([0n]), [1])
        .node('Squeeze', ['x', 'ax1'], ['s']).node('Unsqueeze', ['s', 'ax0'], ['u']).node('Mul', ['u', 'u'], ['y']),
  },
  'Concat': {
    type: f64, params: { a: { dims: [2, 1] }, b: { dims: [2, 3] } }, yShape: [2, 4],
    build: (g) => void g.node('Concat', ['a', 'b'], ['c'], { axis: 1 }).node('Mul', ['c', 'c'], ['y']),
  },
  'Split (one output unused)': {
    type: f64, params: { x: { dims: [2, 5] } }, yShape: [2, 3],
    build: (g) => void g.initializer('split', BigInt64Array.from([2n, 3n]), [2]).node('Split', ['x', 'split'], ['p', 'q'], { axis: 1 }).node('Mul', ['q', 'q'], ['y']),
  },
  'Slice with steps': {
    type: f64, params: { x: { dims: [3, 5] } }, yShape: [2, 2],
    build: (g) =>
      void g.initializer('starts', BigInt64Array.from([1n, 0n]), [2]).initializer('ends', BigInt64Array.from([3n, 4n]), [2])
        .initializer('axes', BigInt64Array.from([0n, 1n]), [2]).initializer('steps', BigInt64Array.from([1n, 2n]), [2])
        .node('Slice', ['x', 'starts', 'ends', 'axes', 'steps'], ['s']).node('Mul', ['s', 's'], ['y']),
  },
  'Gather embeddings with repeated ids': {
    type: f64, params: { emb: { dims: [4, 3] } }, yShape: [2, 3, 3],
    build: (g) => void g.initializer('ids', BigInt64Array.from([0n, 2n, 2n, 3n, 0n, 2n]), [2, 3]).node('Gather', ['emb', 'ids'], ['e']).node('Mul', ['e', 'e'], ['y']),
  },
  'Gather axis 1': {
    type: f64, params: { x: { dims: [2, 4] } }, yShape: [2, 2],
    build: (g) => void g.initializer('ids', BigInt64Array.from([3n, 1n]), [2]).node('Gather', ['x', 'ids'], ['y'], { axis: 1 }),
  },
  'Expand': {
    type: f64, params: { x: { dims: [3, 1] } }, yShape: [2, 3, 4],
    build: (g) => void g.initializer('shape', BigInt64Array.from([2n, 3n, 4n]), [3]).node('Expand', ['x', 'shape'], ['y']),
  },
  'LayerNormalization over the last axis': {
    type: f64, params: { x: { dims: [2, 4] }, scale: { dims: [4] }, bias: { dims: [4] } }, yShape: [2, 4],
    build: (g) => void g.node('LayerNormalization', ['x', 'scale', 'bias'], ['y'], { axis: -1 }),
  },
  'LayerNormalization over the last two axes': {
    type: f64, params: { x: { dims: [2, 2, 3] }, scale: { dims: [2, 3] } }, yShape: [2, 2, 3],
    build: (g) => void g.node('LayerNormalization', ['x', 'scale'], ['y'], { axis: 1 }),
  },
  'BatchNormalization (frozen statistics)': {
    type: f64, params: { x: { dims: [2, 3, 2, 2] }, scale: { dims: [3] }, bias: { dims: [3] } }, yShape: [2, 3, 2, 2],
    build: (g, floats) =>
      void g.initializer('mean', floats([0.1, -0.2, 0.3]), [3]).initializer('var', floats([0.5, 1.5, 2]), [3])
        .node('BatchNormalization', ['x', 'scale', 'bias', 'mean', 'var'], ['y']),
  },
  'Conv 2D with pads and bias': {
    type: f32, params: { x: { dims: [2, 2, 4, 4] }, w: { dims: [3, 2, 3, 3] }, b: { dims: [3] } }, yShape: [2, 3, 4, 4],
    build: (g) => void g.node('Conv', ['x', 'w', 'b'], ['y'], { pads: [1, 1, 1, 1] }),
  },
  'Conv 2D stride 2 (stride does not divide), dilation': {
    type: f32, params: { x: { dims: [1, 2, 6, 5] }, w: { dims: [2, 2, 2, 2] } }, yShape: [1, 2, 3, 2],
    build: (g) => void g.node('Conv', ['x', 'w'], ['y'], { strides: [2, 2], dilations: [1, 2] }),
  },
  'Conv 1D': {
    type: f32, params: { x: { dims: [2, 2, 7] }, w: { dims: [3, 2, 3] } }, yShape: [2, 3, 3],
    build: (g) => void g.node('Conv', ['x', 'w'], ['y'], { strides: [2] }),
  },
  'Conv depthwise (input gradient)': {
    type: f32, params: { x: { dims: [1, 2, 4, 4] } }, yShape: [1, 2, 2, 2],
    build: (g, floats) => void g.initializer('w', floats([0.3, -0.2, 0.5, 0.1, -0.4, 0.2, 0.7, -0.1, 0.6, 0.2, -0.3, 0.4, 0.1, 0.8, -0.5, 0.3, 0.2, -0.6]), [2, 1, 3, 3]).node('Conv', ['x', 'w'], ['y'], { group: 2 }),
  },
  'Conv grouped (2 groups, weights trained)': {
    type: f32, params: { x: { dims: [1, 4, 4, 4] }, w: { dims: [6, 2, 3, 3] }, b: { dims: [6] } }, yShape: [1, 6, 2, 2],
    build: (g) => void g.node('Conv', ['x', 'w', 'b'], ['y'], { group: 2, strides: [2, 2], pads: [1, 1, 1, 1] }),
  },
  'Conv depthwise (weights trained)': {
    type: f32, params: { x: { dims: [2, 3, 5, 5] }, w: { dims: [3, 1, 3, 3] } }, yShape: [2, 3, 3, 3],
    build: (g) => void g.node('Conv', ['x', 'w'], ['y'], { group: 3 }),
  },
  'MaxPool 2x2 stride 2': {
    type: f32, params: { x: { dims: [1, 2, 4, 4] } }, yShape: [1, 2, 2, 2],
    build: (g) => void g.node('MaxPool', ['x'], ['y'], { kernel_shape: [2, 2], strides: [2, 2] }),
  },
  'MaxPool overlapping windows with pads': {
    type: f64, params: { x: { dims: [1, 1, 4, 4] } }, yShape: [1, 1, 4, 4],
    build: (g) => void g.node('MaxPool', ['x'], ['y'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
  },
  'AveragePool 2x2 stride 2': {
    type: f32, params: { x: { dims: [1, 2, 4, 4] } }, yShape: [1, 2, 2, 2],
    build: (g) => void g.node('AveragePool', ['x'], ['y'], { kernel_shape: [2, 2], strides: [2, 2] }),
  },
  'AveragePool with pads, count_include_pad 0': {
    type: f32, params: { x: { dims: [1, 1, 5, 5] } }, yShape: [1, 1, 3, 3],
    build: (g) => void g.node('AveragePool', ['x'], ['y'], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }),
  },
  'GlobalAveragePool': {
    type: f32, params: { x: { dims: [2, 3, 2, 2] } }, yShape: [2, 3, 1, 1],
    build: (g) => void g.node('GlobalAveragePool', ['x'], ['y']),
  },
  'a self-attention block (embeddings, LayerNorm, batched MatMul, scaled Softmax, pooling) with cross-entropy': {
    type: f64, loss: { kind: 'cross-entropy' }, yShape: [2, 3],
    params: { emb: { dims: [5, 4] }, wq: { dims: [4, 4] }, wk: { dims: [4, 4] }, wv: { dims: [4, 4] }, ln: { dims: [4] }, fc: { dims: [4, 3] } },
    build: (g, floats) =>
      void g.initializer('ids', BigInt64Array.from([0n, 3n, 1n, 4n, 4n, 2n]), [2, 3]).initializer('scale', floats([0.5]), [])
        .node('Gather', ['emb', 'ids'], ['x']).node('LayerNormalization', ['x', 'ln'], ['h'], { axis: -1 })
        .node('MatMul', ['h', 'wq'], ['q']).node('MatMul', ['h', 'wk'], ['k']).node('MatMul', ['h', 'wv'], ['v'])
        .node('Transpose', ['k'], ['kt'], { perm: [0, 2, 1] }).node('MatMul', ['q', 'kt'], ['s']).node('Mul', ['s', 'scale'], ['ss'])
        .node('Softmax', ['ss'], ['a'], { axis: -1 }).node('MatMul', ['a', 'v'], ['o']).node('Add', ['o', 'h'], ['res'])
        .node('ReduceMean', ['res'], ['pooled'], { axes: [1], keepdims: 0 }).node('Tanh', ['pooled'], ['t']).node('MatMul', ['t', 'fc'], ['y']),
  },
  'shared input used twice (gradient accumulation)': {
    type: f64, params: { x: { dims: [2, 3] }, w: { dims: [3, 3] } }, yShape: [2, 3],
    build: (g) => void g.node('MatMul', ['x', 'w'], ['m']).node('Tanh', ['m'], ['t']).node('Mul', ['t', 'x'], ['y']),
  },
};

for (const [name, c] of Object.entries(cases)) {
  test(`gradient of ${name} matches finite differences`, async () => {
    await gradCheck(c);
  });
}
