import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import type { onnx } from 'onnx-proto';
import { applyLora, checkAdapterBase, extractAdapter, loadAdapter, LoraServer, mergeLora, saveAdapter } from '../../../src/core/lora';
import { buildMlp } from '../../../src/core/onnx/mlp';
import { seededRandom } from '../../../src/core/onnx/random';
import { makeTensor, readTensor } from '../../../src/core/onnx/tensor';
import { LatheError } from '../../../src/core/workspace/errors';
import { attentionBlock, maxAbsDiff, runModel } from './models';

const BASE = { sha256: 'a'.repeat(64), ref: 'block@v1' };

/** Give every B random values, as training would: with B = 0 an adapter changes nothing to compare. */
function trainB(model: onnx.ModelProto, names: string[], seed: number): void {
  const random = seededRandom(seed);
  const graph = model.graph as onnx.GraphProto;
  graph.initializer = graph.initializer.map((t) => {
    if (!names.includes(t.name ?? '')) return t;
    const { data, dims } = readTensor(t);
    return makeTensor(t.name ?? '', Float32Array.from(data as Float32Array, () => random() - 0.5), dims);
  });
}

function inputs(rows: number, width: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  return Float32Array.from({ length: rows * width }, () => 2 * random() - 1);
}

test('applyLora adds a zero-initialised branch to each targeted MatMul/Gemm: the model starts equal to the base', async () => {
  const base = attentionBlock();
  const lora = applyLora(base, { targets: 'all-linear', rank: 2, alpha: 4, seed: 1 });
  assert.deepEqual(lora.adapters.map((a) => a.weight), ['layer0.q_proj.weight', 'layer0.k_proj.weight', 'layer0.v_proj.weight', 'out.weight']);
  assert.deepEqual(lora.trainable, lora.adapters.flatMap((a) => [a.a, a.b]));
  assert.ok(lora.adapters.every((a) => a.scale === 2 && a.rank === 2));
  const init = new Map(lora.model.graph!.initializer!.map((t) => [t.name, readTensor(t)]));
  // Gemm transB: the weight is [out, in] = [5, 8], so A is [in, r] = [8, 2] and B [r, out] = [2, 5]
  assert.deepEqual(init.get('out.weight.lora_A')!.dims, [8, 2]);
  assert.deepEqual(init.get('out.weight.lora_B')!.dims, [2, 5]);
  assert.ok((init.get('out.weight.lora_B')!.data as Float32Array).every((v) => v === 0));
  const a = init.get('layer0.q_proj.weight.lora_A')!.data as Float32Array;
  assert.ok(a.every((v) => Math.abs(v) <= 1 / Math.sqrt(8)) && a.some((v) => v !== 0), 'A is Kaiming-uniform within ±1/√in');
  // base weights stay initializers; 4 branches of MatMul, MatMul, Mul, Add
  assert.ok(init.has('layer0.q_proj.weight') && init.has('out.weight'));
  const ops = lora.model.graph!.node!.map((n) => n.opType);
  assert.equal(ops.filter((o) => o === 'MatMul').length, 3 + 8);
  assert.equal(ops.filter((o) => o === 'Add').length, 4);
  const x = inputs(6, 8, 9);
  assert.ok(maxAbsDiff(await runModel(base, x, [6, 8], 'x'), await runModel(lora.model, x, [6, 8], 'x')) < 1e-6);

  const rs = applyLora(base, { targets: 'attention-qv', rank: 4, alpha: 8, rslora: true, dropout: 0.1, seed: 1 });
  assert.deepEqual(rs.adapters.map((s) => s.weight), ['layer0.q_proj.weight', 'layer0.v_proj.weight']);
  assert.equal(rs.adapters[0].scale, 8 / 2);
  assert.equal(rs.model.graph!.node!.filter((n) => n.opType === 'Dropout').length, 2);
  // dropout is the identity at inference
  assert.ok(maxAbsDiff(await runModel(base, x, [6, 8], 'x'), await runModel(rs.model, x, [6, 8], 'x')) < 1e-6);

  assert.deepEqual(applyLora(base, { targets: '^out\\.', rank: 1, alpha: 1, seed: 1 }).adapters.map((s) => s.weight), ['out.weight']);
  const seeded = (seed: number) => readTensor(applyLora(base, { targets: 'all-linear', rank: 2, alpha: 4, seed }).model.graph!.initializer!.find((t) => t.name === 'out.weight.lora_A')!).data;
  assert.deepEqual(seeded(5), seeded(5));
  assert.notDeepEqual(seeded(5), seeded(6));
});

test('a target pattern that matches nothing names the candidate weights; bad options are clear errors', () => {
  const base = attentionBlock();
  assert.throws(
    () => applyLora(base, { targets: 'attn\\.c_attn', rank: 2, alpha: 4, seed: 1 }),
    (e: unknown) => e instanceof LatheError && e.code === 'no-lora-targets' && /matches none/.test(e.message) && /layer0\.q_proj\.weight, layer0\.k_proj\.weight/.test(e.hint ?? ''),
  );
  assert.throws(
    () => applyLora(buildMlp({ inputSize: 4, hidden: [4], outputSize: 2, seed: 1 }), { targets: 'attention-qv', rank: 2, alpha: 4, seed: 1 }),
    (e: unknown) => e instanceof LatheError && e.hint === 'candidates: fc0.weight, fc1.weight',
  );
  assert.throws(() => applyLora(base, { targets: '(', rank: 2, alpha: 4, seed: 1 }), /not a valid regular expression/);
  assert.throws(() => applyLora(base, { targets: 'all-linear', rank: 0, alpha: 4, seed: 1 }), /rank must be a positive integer/);
  assert.throws(() => applyLora(base, { targets: 'all-linear', rank: 2, alpha: 4, dropout: 1, seed: 1 }), /dropout must be in \[0, 1\)/);
});

test('the merged model equals base + adapter within 1e-5 and has exactly the base graph; the saved adapter round-trips', async () => {
  const base = attentionBlock();
  const lora = applyLora(base, { targets: 'all-linear', rank: 3, alpha: 6, seed: 2 });
  trainB(lora.model, lora.adapters.map((a) => a.b), 7);
  const options = { targets: 'all-linear', rank: 3, alpha: 6 };
  const adapter = extractAdapter(lora.model, lora.adapters, BASE, options);

  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lathe-lora-'));
  try {
    const file = path.join(dir, 'adapter.onnx');
    await saveAdapter(adapter, file);
    const loaded = await loadAdapter(file);
    assert.deepEqual(loaded.adapters, adapter.adapters);
    assert.deepEqual(loaded.base, BASE);
    assert.deepEqual(loaded.tensors, adapter.tensors);
    const merged = mergeLora(base, loaded);
    assert.deepEqual(merged.graph!.node!.map((n) => n.opType), base.graph!.node!.map((n) => n.opType), 'same nodes: no extra latency');
    const x = inputs(32, 8, 11);
    const [adapted, fromMerged, original] = [await runModel(lora.model, x, [32, 8], 'x'), await runModel(merged, x, [32, 8], 'x'), await runModel(base, x, [32, 8], 'x')];
    assert.ok(maxAbsDiff(adapted, original) > 0.1, 'the adapter changes the outputs');
    assert.ok(maxAbsDiff(adapted, fromMerged) < 1e-5, `merged differs by ${maxAbsDiff(adapted, fromMerged)}`);

    // an adapter file is small: only A/B (3·(8·3 + 3·8) + 8·3 + 3·5 values) and its header
    const size = (await fs.stat(file)).size;
    assert.ok(size > 183 * 4 && size < 183 * 4 + 1500, `adapter file of ${size} bytes`);
    await fs.writeFile(path.join(dir, 'model.onnx'), Buffer.from('not onnx'));
    await assert.rejects(loadAdapter(path.join(dir, 'model.onnx')), /is not a valid ONNX model/);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
  assert.throws(
    () => checkAdapterBase(adapter, 'b'.repeat(64), 'other@v1', 'block-lora@v1'),
    (e: unknown) => e instanceof LatheError && e.code === 'adapter-mismatch' && /different base model than other@v1/.test(e.message) && /aaaaaaaaaaaa…/.test(e.hint ?? ''),
  );
  assert.doesNotThrow(() => checkAdapterBase(adapter, BASE.sha256, 'block@v1', 'block-lora@v1'));
  // merging into a base without the adapted weights is refused
  assert.throws(() => mergeLora(buildMlp({ inputSize: 8, hidden: [8], outputSize: 5, seed: 1 }), adapter), /not a MatMul\/Gemm weight of the base/);
});

test('one serving session swaps adapters per request and equals each merged model', async () => {
  const base = attentionBlock();
  const make = (targets: string, rank: number, seed: number) => {
    const lora = applyLora(base, { targets, rank, alpha: 2 * rank, seed });
    trainB(lora.model, lora.adapters.map((a) => a.b), seed + 100);
    return extractAdapter(lora.model, lora.adapters, BASE, { targets, rank, alpha: 2 * rank });
  };
  const adapters = { qv: make('attention-qv', 2, 1), all: make('all-linear', 4, 2), out: make('^out', 1, 3) };
  const server = await LoraServer.create(base, adapters);
  try {
    const x = inputs(16, 8, 5);
    const feed = { x: new ort.Tensor('float32', x, [16, 8]) };
    // interleaved requests: nothing of one adapter stays behind for the next
    for (const name of ['qv', 'all', null, 'out', 'qv'] as const) {
      const served = (await server.run(name, feed)).logits.data as Float32Array;
      const expected = await runModel(name ? mergeLora(base, adapters[name]) : base, x, [16, 8], 'x');
      assert.ok(maxAbsDiff(served, expected) < 1e-5, `${name}: ${maxAbsDiff(served, expected)}`);
    }
    await assert.rejects(server.run('nope', feed), /no adapter 'nope' is loaded/);
  } finally {
    await server.release();
  }
});
