import { isScalar, type Node, type YAMLMap } from 'yaml';
import { diag, type PipelineDiagnostic } from '../diagnostics';
import { paramsUsedBy, type PipelineModel, type SweepModel } from '../model';
import { getPair, isMap, isSeq, keySpan, nodeSpan } from '../parse';
import { didYouMean } from '../suggest';
import type { Span } from '../text';
import { addKeyEdit } from './schemaCheck';

/** Bounded distributions and whether their bounds must be integers. */
const BOUNDED: Record<string, { integer: boolean }> = { uniform: { integer: false }, log_uniform: { integer: false }, int_uniform: { integer: true } };
/** Pruners and the settings each one reads. */
const PRUNER_SETTINGS: Record<string, string[]> = { median: ['min_iter'], asha: ['min_iter', 'eta'], hyperband: ['min_iter', 'max_iter', 'eta'] };

const numberOf = (node: Node | null | undefined): number | undefined => (isScalar(node) && typeof node.value === 'number' ? node.value : undefined);
const stringOf = (node: Node | null | undefined): string | undefined => (isScalar(node) && typeof node.value === 'string' ? node.value : undefined);

/** Rules of sweeps beyond the schema's types: the stage exists, search spaces make sense, pruner settings fit the pruner. */
export function checkSweeps(model: PipelineModel, out: PipelineDiagnostic[]): void {
  for (const sweep of model.sweeps.values()) {
    if (!sweep.node) continue;
    checkStageRef(model, sweep, out);
    const method = stringOf(getPair(sweep.node, 'method')?.value);
    for (const param of sweep.parameters) {
      unusedParameter(model, sweep, param.name, param.key, out);
      if (param.node) checkParameter(model, sweep, param.name, param.node, param.key, method, out);
    }
    checkTrials(sweep.node, out);
    checkEarlyTerminate(model, sweep.node, out);
  }
}

function checkStageRef(model: PipelineModel, sweep: SweepModel, out: PipelineDiagnostic[]): void {
  const stage = sweep.stage;
  if (!stage || model.stages.has(stage.value)) return;
  const fixes = didYouMean(stage.value, model.stages.keys()).map((s, i) => ({ title: `Change to '${s}'`, edits: [{ span: stage.span, newText: s }], preferred: i === 0 }));
  out.push(diag('unknown-stage', stage.span, `sweep '${sweep.name}' runs unknown stage '${stage.value}'`, fixes));
}

function checkParameter(model: PipelineModel, sweep: SweepModel, name: string, node: YAMLMap, key: Span, method: string | undefined, out: PipelineDiagnostic[]): void {
  const field = (k: string) => getPair(node, k);
  const distribution = stringOf(field('distribution')?.value);
  const values = field('values');
  const min = field('min');
  const max = field('max');
  const label = `parameter '${name}' of sweep '${sweep.name}'`;

  if (values && isSeq(values.value) && values.value.items.length === 0) out.push(diag('sweep-range', nodeSpan(values.value), `${label} has no values to try`));
  const bounded = distribution ? BOUNDED[distribution] : undefined;
  if (distribution === 'categorical' || (!distribution && !min && !max)) {
    if (!values) {
      const edit = addKeyEdit(model.file, node, 'values', '[]');
      out.push(diag('missing-required', key, `${label} needs 'values'${distribution ? '' : " (or a 'distribution' with 'min' and 'max')"}`, edit ? [{ title: "Add 'values'", edits: [edit], preferred: true }] : []));
    }
    for (const bound of [min, max]) if (bound) out.push(diag('sweep-range', keySpan(bound), `'${bound.key}' does not apply to ${distribution ? 'a categorical' : 'a list of values'}: ${label} draws from 'values'`));
    return;
  }
  if (!distribution) {
    const edit = addKeyEdit(model.file, node, 'distribution', 'uniform');
    out.push(diag('missing-required', key, `${label} has bounds but no 'distribution'`, edit ? [{ title: "Add 'distribution'", edits: [edit], preferred: true }] : []));
    return;
  }
  if (!bounded) return; // an unknown distribution is reported by the schema check
  if (values) out.push(diag('sweep-range', keySpan(values), `'values' does not apply to distribution '${distribution}': it draws between 'min' and 'max'`));
  const lo = numberOf(min?.value);
  const hi = numberOf(max?.value);
  for (const [k, pair] of [['min', min], ['max', max]] as const) {
    if (pair) continue;
    // a value that satisfies the other bound, so the fix does not trade one error for another
    const guess = k === 'max' ? (lo ?? 0) + 1 : hi === undefined ? (distribution === 'log_uniform' ? 0.001 : 0) : hi > 0 ? hi / 10 : hi - 1;
    const edit = addKeyEdit(model.file, node, k, String(bounded.integer ? Math.floor(guess) : guess));
    out.push(diag('missing-required', key, `${label} needs '${k}' for distribution '${distribution}'`, edit ? [{ title: `Add '${k}'`, edits: [edit], preferred: true }] : []));
  }
  if (bounded.integer) {
    for (const [k, pair, v] of [['min', min, lo], ['max', max, hi], ['step', field('step'), numberOf(field('step')?.value)]] as const) {
      if (v !== undefined && !Number.isInteger(v)) out.push(diag('sweep-range', nodeSpan(pair!.value), `'${k}' of int_uniform ${label} must be an integer, got ${v}`));
    }
  }
  if (lo !== undefined && hi !== undefined && lo >= hi) out.push(diag('sweep-range', nodeSpan(min!.value), `'min' (${lo}) must be less than 'max' (${hi}) in ${label}`));
  if (distribution === 'log_uniform' && lo !== undefined && lo <= 0) out.push(diag('sweep-range', nodeSpan(min!.value), `log_uniform needs 'min' > 0, got ${lo} in ${label}`));
  if (method === 'grid' && !bounded.integer && !field('step')) out.push(diag('sweep-range', key, `grid search needs a finite set: give ${label} 'values' or a 'step'`));
}

/** A sweep parameter the stage never reads changes nothing: a warning, since trials would all be the same. */
function unusedParameter(model: PipelineModel, sweep: SweepModel, name: string, key: Span, out: PipelineDiagnostic[]): void {
  const stage = sweep.stage?.value;
  if (!stage || !model.stages.has(stage) || paramsUsedBy(model, stage).has(name)) return;
  out.push(diag('sweep-unused-param', key, `stage '${stage}' never uses param '${name}' (list it in its 'params' or reference \${{ params.${name} }})`));
}

function checkTrials(node: YAMLMap, out: PipelineDiagnostic[]): void {
  const trials = numberOf(getPair(node, 'trials')?.value);
  const parallel = getPair(node, 'parallel');
  const p = numberOf(parallel?.value);
  if (trials !== undefined && p !== undefined && trials >= 1 && p > trials) out.push(diag('sweep-parallel', nodeSpan(parallel!.value), `parallel (${p}) is more than trials (${trials}): at most ${trials} run at once`));
}

function checkEarlyTerminate(model: PipelineModel, node: YAMLMap, out: PipelineDiagnostic[]): void {
  const et = getPair(node, 'early_terminate')?.value;
  if (!isMap(et)) return;
  const type = stringOf(getPair(et, 'type')?.value);
  const settings = type ? PRUNER_SETTINGS[type] : undefined;
  if (!settings) return; // missing or unknown type: reported by the schema check
  for (const k of ['min_iter', 'max_iter', 'eta']) {
    const pair = getPair(et, k);
    if (pair && !settings.includes(k)) out.push(diag('sweep-early-terminate', keySpan(pair), `'${k}' does not apply to the ${type} pruner (it reads ${settings.join(', ')})`));
  }
  const maxIter = getPair(et, 'max_iter');
  if (type === 'hyperband' && !maxIter) {
    const edit = addKeyEdit(model.file, et as YAMLMap, 'max_iter', '100');
    out.push(diag('sweep-early-terminate', keySpan(getPair(et, 'type')!), "the hyperband pruner needs 'max_iter'", edit ? [{ title: "Add 'max_iter'", edits: [edit], preferred: true }] : []));
  }
  const lo = numberOf(getPair(et, 'min_iter')?.value);
  const hi = numberOf(maxIter?.value);
  if (type === 'hyperband' && lo !== undefined && hi !== undefined && lo >= hi) out.push(diag('sweep-early-terminate', nodeSpan(maxIter!.value), `'max_iter' (${hi}) must be greater than 'min_iter' (${lo})`));
}
