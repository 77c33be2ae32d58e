import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildMlp, inspectModel } from '../../../src/core/onnx';
import { evaluateModels } from '../../../src/core/quantize/evaluate';
import { quantizeBlocks4, quantizeInt4 } from '../../../src/core/quantize/int4';
import { prepareModel } from '../../../src/core/quantize/prepare';
import { LatheError } from '../../../src/core/workspace/errors';
import { buildTransformerBlock } from './models';

const quick = { runs: 2, warmup: 1 };

test('4-bit blocks: the largest magnitude maps to -8 (symmetric), zero is exact (asymmetric), padding left 0', () => {
  // K = 3, N = 1, block 16: one padded block
  const sym = quantizeBlocks4(Float32Array.from([2, -1, 0.5]), 3, 1, 16, true);
  assert.deepEqual([...sym.scales], [Math.fround(-0.25)]);
  const nibbles = (p: Uint8Array) => [...p].flatMap((b) => [b & 15, b >> 4]);
  assert.deepEqual(nibbles(sym.packed).slice(0, 3), [0, 12, 6]);
  assert.ok(nibbles(sym.packed).slice(3).every((q) => q === 0));
  const asym = quantizeBlocks4(Float32Array.from([2, -1, 0.5]), 3, 1, 16, false);
  assert.deepEqual([...asym.scales], [Math.fround(3 / 15)]);
  assert.equal(asym.zeroPoints[0], 0x85, 'zero point 5, the spare nibble 8');
  assert.deepEqual(nibbles(asym.packed).slice(0, 3), [15, 0, 8]);
});

test('int4 MatMulNBits runs in onnxruntime-node: block sizes 32/64/128, symmetric and not, K not a multiple of the block', async () => {
  const mlp = buildMlp({ inputSize: 200, hidden: [256], outputSize: 10, seed: 31 });
  for (const [blockSize, symmetric] of [[32, true], [64, false], [128, true]] as const) {
    const { model, report } = quantizeInt4(mlp, { blockSize, symmetric });
    assert.equal(report.quantized.length, 2);
    assert.equal(inspectModel(model).opCounts['com.microsoft.MatMulNBits'], 2);
    const ev = await evaluateModels(mlp, model, { batch: 8, ...quick });
    const [out] = ev.outputs;
    assert.ok(ev.size.ratio < 0.2, `block ${blockSize}: size ratio ${ev.size.ratio}`);
    assert.ok(out.cosine > 0.99, `block ${blockSize} symmetric=${symmetric}: cosine ${out.cosine}`);
    assert.ok(out.top1Agreement! >= 0.75, `block ${blockSize}: top-1 ${out.top1Agreement}`);
  }
  assert.throws(() => quantizeInt4(mlp, { blockSize: 48 }), LatheError);
});

test('int4 on a transformer block with accuracy level 4, excluding the head', async () => {
  const encoder = prepareModel(buildTransformerBlock({ seed: 32 })).model;
  const { model, report } = quantizeInt4(encoder, { accuracyLevel: 4, exclude: ['head.matmul'] });
  assert.equal(report.quantized.length, 6);
  assert.deepEqual(report.skipped.map((s) => s.reason).sort(), [
    'excluded by the caller',
    'its weight is not a float32 initializer (computed at run time)',
    'its weight is not a float32 initializer (computed at run time)',
  ]);
  const [out] = (await evaluateModels(encoder, model, { batch: 2, ...quick })).outputs;
  assert.ok(out.cosine > 0.99, `cosine ${out.cosine}`);
});
