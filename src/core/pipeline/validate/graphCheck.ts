import { cycleEdges, normalizePath, OutputIndex, within, type Dag } from '../dag';
import { diag, type PipelineDiagnostic } from '../diagnostics';
import type { PipelineModel } from '../model';
import { didYouMean } from '../suggest';

/** `needs` references, cycles, and conflicts between outputs. */
export function checkGraph(model: PipelineModel, dag: Dag, out: PipelineDiagnostic[]): void {
  const names = [...model.stages.keys()];
  for (const stage of model.stages.values()) {
    for (const need of stage.needs) {
      if (need.value === stage.name) {
        out.push(diag('self-need', need.span, `stage '${stage.name}' needs itself`, [{ title: 'Remove this need', edits: [{ span: need.span, newText: '' }] }]));
      } else if (!model.stages.has(need.value) && !need.value.includes('${{')) {
        const fixes = didYouMean(need.value, names.filter((n) => n !== stage.name)).map((s, i) => ({ title: `Change to '${s}'`, edits: [{ span: need.span, newText: s }], preferred: i === 0 }));
        out.push(diag('unknown-stage', need.span, `stage '${stage.name}' needs unknown stage '${need.value}'`, fixes));
      }
    }
  }
  for (const { edge, cycle } of cycleEdges(dag)) {
    const how = edge.kind === 'needs' ? '' : edge.kind === 'path' ? ' (through its deps)' : ' (through an expression)';
    out.push(diag('cycle', edge.span, `dependency cycle${how}: ${cycle.join(' → ')}`));
  }
  checkOutputs(model, out);
}

function checkOutputs(model: PipelineModel, out: PipelineDiagnostic[]): void {
  const index = OutputIndex.of(model);
  for (const producers of index.all()) {
    if (producers.length < 2) continue;
    const stages = [...new Set(producers.map((p) => p.stage))];
    if (stages.length < 2) continue;
    for (const p of producers) {
      const others = stages.filter((s) => s !== p.stage).map((s) => `'${s}'`).join(', ');
      out.push(diag('duplicate-output', p.out.span, `output '${p.path}' of stage '${p.stage}' is also produced by stage ${others}`));
    }
  }
  for (const producers of index.all()) {
    for (const p of producers) {
      const outer = index.containing(p.path).find((o) => o.path !== p.path);
      if (outer) out.push(diag('overlapping-outputs', p.out.span, `output '${p.path}' of stage '${p.stage}' lies inside output '${outer.path}' of stage '${outer.stage}'`));
    }
  }
  for (const stage of model.stages.values()) {
    const outs = stage.outs.map((o) => normalizePath(o.value)).filter((o): o is string => o !== undefined);
    for (const dep of stage.deps) {
      const d = normalizePath(dep.value);
      const hit = d === undefined ? undefined : outs.find((o) => within(d, o) || within(o, d));
      if (hit !== undefined) out.push(diag('dep-is-output', dep.span, `'${dep.value}' is both a dep and an out ('${hit}') of stage '${stage.name}'`));
    }
  }
}
