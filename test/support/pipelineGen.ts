/**
 * Generated pipelines for the validation bench and the incremental-analysis tests: params, datasets, models, chains
 * of stages linked by deps/outs and `needs`, `${{ }}` expressions, built-in stages and sweeps — the shapes real
 * pipelines have, at any size. Deterministic for a seed.
 */

import { seededRandom } from '../../src/core/onnx/random';

export { seededRandom };

export function generatePipeline(stages: number, seed = 1): string {
  const rnd = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const lines: string[] = ['version: 1', 'params:'];
  const params = ['lr', 'epochs', 'batch_size', 'dropout', 'hidden', 'seed', 'weight_decay', 'warmup'];
  const values = ['0.001', '20', '64', '0.1', '128', '42', '0.0001', '500'];
  params.forEach((p, i) => lines.push(`  ${p}: ${values[i]}`));
  lines.push('datasets:', '  digits: { path: data/digits.csv }', '  reviews:', '    path: data/reviews.parquet', 'models:', '  teacher: { path: models/teacher.onnx }');
  lines.push('stages:');
  const name = (i: number) => `stage_${i}`;
  for (let i = 0; i < stages; i++) {
    const prev = i > 0 ? name(i - 1) : undefined;
    lines.push(`  ${name(i)}:`);
    if (i % 50 === 7) {
      // a built-in stage quantizing an earlier stage's model
      lines.push('    uses: quantize', `    with: { model: out/${prev ?? 'x'}/model.onnx, method: dynamic-int8, output: out/${name(i)}/model.int8.onnx }`);
      if (prev) lines.push(`    needs: [${prev}]`);
      continue;
    }
    lines.push(`    description: step ${i} of the generated pipeline`);
    const p1 = pick(params);
    const p2 = pick(params);
    lines.push(`    cmd: python steps/step_${i % 17}.py --${p1} \${{ params.${p1} }} --${p2} \${{ params.${p2} }} --out out/${name(i)}`);
    const deps = [`steps/step_${i % 17}.py`, i % 3 === 0 ? 'data/digits.csv' : prev ? `out/${prev}/features.parquet` : 'data/reviews.parquet'];
    lines.push('    deps:', ...deps.map((d) => `      - ${d}`));
    lines.push(`    outs: [out/${name(i)}/features.parquet, out/${name(i)}/model.onnx]`);
    lines.push(`    params: [${p1}, ${p2}]`);
    if (i >= 2 && rnd() < 0.3) lines.push(`    needs: [${name(Math.floor(rnd() * (i - 1)))}]`);
    if (rnd() < 0.2) lines.push('    env:', `      OMP_NUM_THREADS: "4"`, `      RUN_TAG: gen-${i}`);
    if (i % 10 === 0) lines.push(`    metrics: out/${name(i)}/metrics.json`);
  }
  lines.push('sweeps:');
  for (let i = 0; i < Math.max(1, Math.floor(stages / 100)); i++) {
    let target = Math.floor(rnd() * stages);
    if (target % 50 === 7) target = Math.max(0, target - 1);
    lines.push(
      `  sweep_${i}:`,
      `    stage: ${name(target)}`,
      '    method: tpe',
      '    metric: { name: val_acc, goal: maximize }',
      '    parameters:',
      '      lr: { distribution: log_uniform, min: 1.0e-4, max: 1.0e-1 }',
      '      epochs: { values: [5, 10, 20] }',
      '    trials: 20',
      '    parallel: 2',
    );
  }
  return lines.join('\n') + '\n';
}

/** Where a one-character edit inside stage `index` lands: the first character of its `cmd` (or `uses`) value. */
export function stageEditOffset(text: string, index: number): number {
  const at = text.indexOf(`\n  stage_${index}:\n`);
  if (at < 0) throw new Error(`no stage_${index}`);
  const value = /\n {4}(?:cmd|uses): /g;
  value.lastIndex = at + 1;
  const m = value.exec(text)!;
  return m.index + m[0].length;
}
