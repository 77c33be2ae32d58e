import { cycleEdges, OutputIndex, stagePaths, within, type Dag, type Producer } from '../dag';
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
  const conflicts = OutputIndex.of(model).conflicts();
  const span = (p: Producer) => model.stages.get(p.stage)!.outs[p.at].span;
  for (const { producer: p, alsoBy } of conflicts) {
    if (alsoBy.length) out.push(diag('duplicate-output', span(p), `output '${p.path}' of stage '${p.stage}' is also produced by stage ${alsoBy.map((s) => `'${s}'`).join(', ')}`));
  }
  for (const { producer: p, inside } of conflicts) {
    if (inside) out.push(diag('overlapping-outputs', span(p), `output '${p.path}' of stage '${p.stage}' lies inside output '${inside.path}' of stage '${inside.stage}'`));
  }
  for (const stage of model.stages.values()) {
    const paths = stagePaths(stage);
    const outs = paths.outs.filter((o): o is string => o !== undefined);
    for (let i = 0; i < stage.deps.length; i++) {
      const dep = stage.deps[i];
      const d = paths.deps[i];
      const hit = d === undefined ? undefined : outs.find((o) => within(d, o) || within(o, d));
      if (hit !== undefined) out.push(diag('dep-is-output', dep.span, `'${dep.value}' is both a dep and an out ('${hit}') of stage '${stage.name}'`));
    }
  }
}
