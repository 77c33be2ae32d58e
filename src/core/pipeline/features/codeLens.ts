import type { CodeLens } from 'vscode-languageserver-types';
import type { PipelineModel } from '../model';
import { getPair, keySpan } from '../parse';

/** Commands the code lenses invoke; the extension registers them. Arguments: the pipeline URI, then the name. */
export const PIPELINE_COMMANDS = {
  run: 'lathe.pipeline.run',
  runStage: 'lathe.pipeline.runStage',
  showDag: 'lathe.pipeline.showDag',
  runSweep: 'lathe.pipeline.runSweep',
} as const;

/** "Run pipeline" and "Show DAG" above `stages:`, "Run stage" above each stage, "Run sweep" above each sweep. */
export function codeLenses(model: PipelineModel, uri: string): CodeLens[] {
  const lines = model.file.lines;
  const lens = (at: { start: number; end: number }, title: string, command: string, args: unknown[]): CodeLens => ({ range: lines.range(at), command: { title, command, arguments: args } });
  const out: CodeLens[] = [];
  const stages = getPair(model.file.doc.contents, 'stages');
  if (stages && model.stages.size) {
    out.push(lens(keySpan(stages), 'Run pipeline', PIPELINE_COMMANDS.run, [uri]));
    out.push(lens(keySpan(stages), 'Show DAG', PIPELINE_COMMANDS.showDag, [uri]));
  }
  for (const s of model.stages.values()) out.push(lens(s.key, 'Run stage', PIPELINE_COMMANDS.runStage, [uri, s.name]));
  for (const s of model.sweeps.values()) out.push(lens(s.key, 'Run sweep', PIPELINE_COMMANDS.runSweep, [uri, s.name]));
  return out;
}
