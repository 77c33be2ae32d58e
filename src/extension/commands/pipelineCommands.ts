import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  analyzePipelineFile,
  renderDagSvg,
  runPipeline,
  type PipelineRequest,
  type PipelineRunResult,
  type StageStatus,
} from '../../core/pipeline/runner';
import { runSweep } from '../../core/sweep';
import { writeFileAtomic } from '../../core/workspace/atomic';
import { PIPELINE_FILE } from '../../core/workspace/layout';
import { Commands } from '../../shared/ids';
import type { Services } from '../services';
import { requireTrust } from '../util/ui';

/** The pipeline file a command acts on: the code lens passes its document's URI; otherwise the root's lathe.yaml. */
async function pipelineFile(s: Services, uri: unknown): Promise<string> {
  const file = typeof uri === 'string' ? vscode.Uri.parse(uri).fsPath : uri instanceof vscode.Uri ? uri.fsPath : path.join(s.ws.layout.root, PIPELINE_FILE);
  // run what the user sees: unsaved edits would otherwise be ignored by a runner reading the disk
  const open = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === file);
  if (open?.isDirty) await open.save();
  return file;
}

/** The stage or sweep the code lens names, or one the user picks from the pipeline's. */
async function givenOrPicked(file: string, given: unknown, kind: 'stages' | 'sweeps', title: string): Promise<string | undefined> {
  if (typeof given === 'string' && given) return given;
  const { model } = (await analyzePipelineFile(file)).analysis;
  return vscode.window.showQuickPick([...model[kind].keys()], { title });
}

function summary(result: PipelineRunResult): string {
  const counts = new Map<StageStatus, number>();
  for (const s of result.stages) counts.set(s.status, (counts.get(s.status) ?? 0) + 1);
  return [...counts].map(([status, n]) => `${n} ${status}`).join(', ') || 'no stages';
}

export function registerPipelineCommands(s: Services): vscode.Disposable[] {
  /** The outcome of the last run in this window, so the DAG picture can show it. */
  let lastStatuses: Record<string, StageStatus> = {};
  let running = false;

  const run = async (title: string, request: PipelineRequest) => {
    if (!(await requireTrust('Running the pipeline'))) return;
    if (running) {
      vscode.window.showInformationMessage('Lathe: a pipeline run is already in progress in this window.');
      return;
    }
    running = true;
    try {
      const layout = await s.ws.writable();
      s.output.info(`${title}: ${request.file}${request.targets?.length ? ` (${request.targets.join(', ')})` : ''}`);
      const result = await s.progress(`Lathe: ${title}`, (opts) => runPipeline(layout, request, opts));
      lastStatuses = Object.fromEntries(result.stages.map((r) => [r.stage, r.status]));
      s.ws.fire('runs');
      const failed = result.stages.find((r) => r.status === 'failed');
      if (failed) {
        const choice = await vscode.window.showErrorMessage(`Lathe: stage '${failed.stage}' failed: ${failed.reason}`, 'Show Output', 'Show DAG');
        if (choice === 'Show Output') s.output.show(true);
        if (choice === 'Show DAG') await vscode.commands.executeCommand(Commands.pipelineShowDag, request.file);
      } else {
        vscode.window.showInformationMessage(`Lathe: pipeline ${result.cancelled ? 'cancelled' : 'finished'}: ${summary(result)}.`);
      }
    } finally {
      running = false;
    }
  };

  const runAll = s.command('Run Pipeline', async (uri?: unknown) => {
    await run('Run Pipeline', { file: await pipelineFile(s, uri) });
  });

  const runStage = s.command('Run Pipeline Stage', async (uri?: unknown, stage?: unknown) => {
    const file = await pipelineFile(s, uri);
    const name = await givenOrPicked(file, stage, 'stages', 'Stage to run (with what it needs)');
    if (!name) return;
    await run(`Run Stage ${name}`, { file, targets: [name] });
  });

  const showDag = s.command('Show Pipeline DAG', async (uri?: unknown) => {
    const loaded = await analyzePipelineFile(await pipelineFile(s, uri));
    const details = Object.fromEntries([...loaded.analysis.model.stages.values()].map((st) => [st.name, st.cmd?.value ?? `uses: ${st.uses?.value ?? '?'}`]));
    const layout = await s.ws.writable();
    const out = path.join(layout.tmp, 'pipeline-dag.svg');
    await writeFileAtomic(out, renderDagSvg(loaded.analysis.dag, { statuses: lastStatuses, details }));
    await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(out), { viewColumn: vscode.ViewColumn.Beside, preview: true });
  });

  const runSweepCommand = s.command('Run Pipeline Sweep', async (uri?: unknown, sweep?: unknown) => {
    if (!(await requireTrust('Running a sweep'))) return;
    const file = await pipelineFile(s, uri);
    const name = await givenOrPicked(file, sweep, 'sweeps', 'Sweep to run');
    if (!name) return;
    const layout = await s.ws.writable();
    s.output.info(`Run Sweep ${name}: ${file}`);
    let panelOpened = false;
    const result = await s.progress(`Lathe: Sweep ${name}`, (opts) =>
      runSweep(layout, { file, sweep: name }, {
        ...opts,
        onTrialStart: () => {
          if (panelOpened) return;
          panelOpened = true;
          // opened once the first trial is in the store (the panel has nothing to draw before); it follows run
          // changes, so the other trials appear in it as they run
          void vscode.commands.executeCommand(Commands.showSweep, name);
        },
      }),
    );
    s.ws.fire('runs');
    const best = result.best ? ` Best: trial ${result.best.number}, ${result.metric.name} = ${result.best.value} with ${JSON.stringify(result.best.params)}.` : '';
    vscode.window.showInformationMessage(`Lathe: sweep ${name} ${result.cancelled ? 'cancelled' : 'finished'}: ${result.ran} trial(s) run, ${result.trials.length} in all.${best}`);
  });

  return [
    vscode.commands.registerCommand(Commands.pipelineRunSweep, runSweepCommand),
    vscode.commands.registerCommand(Commands.pipelineRun, runAll),
    vscode.commands.registerCommand(Commands.pipelineRunStage, runStage),
    vscode.commands.registerCommand(Commands.pipelineShowDag, showDag),
  ];
}
