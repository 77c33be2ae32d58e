import { diag, type Fix, type PipelineDiagnostic } from '../diagnostics';
import type { Segment } from '../expressions';
import type { LocatedExpression, PipelineModel } from '../model';
import { didYouMean } from '../suggest';

const CONTEXTS = ['params', 'stages', 'datasets', 'models'];
/** Stage fields whose values are evaluated (substituted) at run time. */
const EVALUATED = new Set(['cmd', 'deps', 'outs', 'metrics', 'env', 'cwd', 'with']);

function renameFixes(segment: Segment, candidates: Iterable<string>): Fix[] {
  return didYouMean(String(segment.value), candidates).map((s, i) => ({ title: `Change to '${s}'`, edits: [{ span: segment.span, newText: s }], preferred: i === 0 }));
}

/** Where an expression may appear: inside the evaluated fields of a stage, and nowhere else. */
function contextError(e: LocatedExpression): string | undefined {
  if (e.path.includes('#key')) return 'expressions are not allowed in keys';
  if (e.path[0] !== 'stages' || e.path.length < 3) return `expressions are not evaluated in '${e.path.filter((p) => typeof p === 'string').join('.') || 'the top level'}': use them in a stage's cmd, deps, outs, metrics, env, cwd or with`;
  const field = String(e.path[2]);
  if (!EVALUATED.has(field)) return `expressions are not evaluated in '${field}': use them in cmd, deps, outs, metrics, env, cwd or with`;
  return undefined;
}

/** Syntax, context and references of every `${{ }}` expression. `paramsKnown` is false when a params file could not be read. */
export function checkExpressions(model: PipelineModel, paramsKnown: boolean, out: PipelineDiagnostic[]): void {
  for (const e of model.expressions) {
    if (e.error) {
      out.push(diag('expression-syntax', e.error.span, `${e.error.message} in '${model.file.text.slice(e.span.start, e.span.end)}'`));
      continue;
    }
    const where = contextError(e);
    if (where) {
      out.push(diag('expression-context', e.span, where));
      continue;
    }
    checkReference(model, e, paramsKnown, out);
  }
}

function checkReference(model: PipelineModel, e: LocatedExpression, paramsKnown: boolean, out: PipelineDiagnostic[]): void {
  const [root, name, field, index] = e.segments;
  if (typeof root.value !== 'string' || !CONTEXTS.includes(root.value)) {
    out.push(diag('expression-context', root.span, `unknown context '${root.value}': expected one of ${CONTEXTS.join(', ')}`, renameFixes(root, CONTEXTS)));
    return;
  }
  if (!name || typeof name.value !== 'string') {
    out.push(diag('expression-syntax', e.span, `'${root.value}' needs a name, e.g. \${{ ${root.value}.NAME${root.value === 'stages' ? '.outs[0]' : root.value === 'params' ? '' : '.path'} }}`));
    return;
  }
  switch (root.value) {
    case 'params': {
      if (!paramsKnown) return;
      const param = model.params.get(name.value);
      if (!param) {
        out.push(diag('unknown-param', name.span, `unknown param '${name.value}'`, renameFixes(name, model.params.keys())));
        return;
      }
      // a path into a structured param must exist in its value
      let value: unknown = param.value;
      for (const seg of e.segments.slice(2)) {
        const next = value !== null && typeof value === 'object' ? (value as Record<string | number, unknown>)[seg.value] : undefined;
        if (next === undefined) {
          out.push(diag('unknown-param', seg.span, `param '${name.value}' has no ${typeof seg.value === 'number' ? `item [${seg.value}]` : `key '${seg.value}'`}`));
          return;
        }
        value = next;
      }
      return;
    }
    case 'stages': {
      const stage = model.stages.get(name.value);
      if (!stage) {
        out.push(diag('unknown-stage', name.span, `unknown stage '${name.value}'`, renameFixes(name, model.stages.keys())));
        return;
      }
      if (!field || (field.value !== 'outs' && field.value !== 'metrics')) {
        out.push(diag('unknown-output', (field ?? name).span, `expected stages.${name.value}.outs[i] or stages.${name.value}.metrics[i]${field ? `, got '${field.value}'` : ''}`, field ? renameFixes(field, ['outs', 'metrics']) : []));
        return;
      }
      const list = field.value === 'outs' ? stage.outs : stage.metrics;
      const i = typeof index?.value === 'number' ? index.value : undefined;
      if (i === undefined && list.length !== 1) {
        out.push(diag('unknown-output', field.span, `stage '${name.value}' has ${list.length} ${field.value}: pick one with ${field.value}[i]`));
      } else if (i !== undefined && i >= list.length) {
        out.push(diag('unknown-output', index.span, `stage '${name.value}' has no ${field.value}[${i}] (it has ${list.length})`));
      } else if (e.segments.length > (i === undefined ? 3 : 4)) {
        out.push(diag('expression-syntax', e.segments[i === undefined ? 3 : 4].span, 'an output path has no fields'));
      }
      return;
    }
    default: {
      const kind = root.value === 'datasets' ? 'dataset' : 'model';
      const defs = root.value === 'datasets' ? model.datasets : model.models;
      if (!defs.has(name.value)) {
        out.push(diag(kind === 'dataset' ? 'unknown-dataset' : 'unknown-model', name.span, `no ${kind} '${name.value}' is declared in this pipeline`, renameFixes(name, defs.keys())));
      } else if (field?.value !== 'path' || e.segments.length > 3) {
        out.push(diag('expression-syntax', (field ?? name).span, `expected ${root.value}.${name.value}.path`));
      }
    }
  }
}
