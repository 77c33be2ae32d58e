// Substitution of ${{ }} into a stage: the command is split into words first, so a value is always inside one word.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveStage } from '../../../../src/core/pipeline/runner';
import { analyze } from '../../../../src/core/pipeline/service';

function resolve(yaml: string, stage: string) {
  const { model, diagnostics } = analyze(yaml);
  assert.deepEqual(diagnostics.filter((d) => d.severity === 'error').map((d) => d.message), []);
  return resolveStage(model, model.stages.get(stage)!);
}

const YAML = `version: 1
params:
  lr: 0.01
  name: "my model; rm -rf ~"
  layers: [64, 32]
  opt: { kind: adam, beta: 0.9 }
datasets:
  digits: { path: data/digits.csv }
stages:
  prep:
    cmd: python prep.py
    outs: ["data/clean-\${{ params.lr }}.csv"]
  train:
    cmd: python train.py --lr=\${{ params.lr }} --name \${{ params.name }} '\${{ params.layers }}' "\${{ params.opt.kind }} x" \${{ stages.prep.outs[0] }} \${{ datasets.digits.path }}
    deps: ["\${{ stages.prep.outs[0] }}"]
    outs: ["models/\${{ params.opt.kind }}/"]
    env: { LR: "\${{ params.lr }}" }
    cwd: ./src
    params: [layers]
  shrink:
    uses: quantize
    with: { model: "\${{ stages.prep.outs[0] }}", method: fp16, output: "out-\${{ params.lr }}.onnx" }
`;

test('a substituted value is one word, or part of one, whatever characters it holds', () => {
  const train = resolve(YAML, 'train');
  assert.deepEqual(train.argv, ['python', 'train.py', '--lr=0.01', '--name', 'my model; rm -rf ~', '[64,32]', 'adam x', 'data/clean-0.01.csv', 'data/digits.csv']);
  assert.equal(train.command, "python train.py --lr=0.01 --name 'my model; rm -rf ~' '[64,32]' 'adam x' data/clean-0.01.csv data/digits.csv");
});

test('paths are substituted and normalized; used params come from expressions and `params:`', () => {
  const train = resolve(YAML, 'train');
  assert.deepEqual(train.deps, ['data/clean-0.01.csv']);
  assert.deepEqual(train.outs, ['models/adam']);
  assert.equal(train.cwd, 'src');
  assert.deepEqual(train.env, { LR: '0.01' });
  assert.deepEqual(train.params, { layers: [64, 32], lr: 0.01, name: 'my model; rm -rf ~', opt: { kind: 'adam', beta: 0.9 } });
});

test('built-in stage arguments keep their types and are substituted', () => {
  const shrink = resolve(YAML, 'shrink');
  assert.equal(shrink.argv, undefined);
  assert.equal(shrink.uses, 'quantize');
  assert.deepEqual(shrink.with, { model: 'data/clean-0.01.csv', method: 'fp16', output: 'out-0.01.onnx' });
  assert.deepEqual(shrink.outs, ['out-0.01.onnx']);
  assert.match(shrink.command, /^uses quantize \{"method":"fp16","model":"data\/clean-0\.01\.csv","output":"out-0\.01\.onnx"\}$/);
});

test('a path that leaves the workspace is refused with the stage named', () => {
  const { model } = analyze(`version: 1
stages:
  escape:
    cmd: cp a ../outside
    outs: [../outside]
`);
  assert.throws(() => resolveStage(model, model.stages.get('escape')!), /stage 'escape': '\.\.\/outside' is not a path inside the workspace/);
});
