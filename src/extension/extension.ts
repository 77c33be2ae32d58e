import * as path from 'node:path';
import * as vscode from 'vscode';
import { registerBuiltinStages, type LatheInvocation } from '../core/stages';
import { describeError } from '../core/workspace/errors';
import { Commands, Panels, Views } from '../shared/ids';
import { registerChartCommands } from './commands/chartCommands';
import { registerDatasetCommands } from './commands/datasetCommands';
import { registerDistillCommands } from './commands/distillCommands';
import { registerModelCommands } from './commands/modelCommands';
import { registerLoraCommands } from './commands/loraCommands';
import { registerPipelineCommands } from './commands/pipelineCommands';
import { registerQuantizeCommands } from './commands/quantizeCommands';
import { ActiveRuns, registerRunCommands } from './commands/runCommands';
import { startLanguageClient } from './languageClient';
import { ExperimentsPanel } from './panels/experimentsPanel';
import { ModelsPanel } from './panels/modelsPanel';
import { SweepPanel } from './panels/sweepPanel';
import { Services } from './services';
import { RunStatusBar } from './statusBar';
import { DatasetsTree } from './trees/datasetsTree';
import { ModelsTree } from './trees/modelsTree';
import { RunsTree } from './trees/runsTree';
import { LatheWorkspace } from './workspace';

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const ws = await LatheWorkspace.open();
  if (!ws) return;
  const services = new Services(ws);
  const active = new ActiveRuns();
  const datasets = new DatasetsTree(ws);
  const models = new ModelsTree(ws);
  const runs = new RunsTree(ws);
  const statusBar = new RunStatusBar(ws, active);
  // built-in stages and trainings run the bundled CLI; ELECTRON_RUN_AS_NODE makes the editor's executable a plain node
  const lathe: LatheInvocation = { command: [process.execPath, path.join(context.extensionPath, 'dist', 'cli.js')], env: { ELECTRON_RUN_AS_NODE: '1' } };
  const runsView = vscode.window.createTreeView(Views.runs, { treeDataProvider: runs, canSelectMany: true, showCollapseAll: true });

  context.subscriptions.push(
    ws,
    services,
    active,
    statusBar,
    runsView,
    runs.watch(runsView),
    vscode.window.createTreeView(Views.datasets, { treeDataProvider: datasets, showCollapseAll: true }),
    // several versions selected compare side by side
    vscode.window.createTreeView(Views.models, { treeDataProvider: models, canSelectMany: true, showCollapseAll: true }),
    ws.onDidChange((area) => (area === 'datasets' ? datasets : area === 'models' ? models : runs).refresh()),
    vscode.commands.registerCommand(Commands.refresh, () => {
      datasets.refresh();
      models.refresh();
      runs.refresh();
    }),
    vscode.commands.registerCommand(Commands.showOutput, () => services.output.show()),
    vscode.commands.registerCommand(
      Commands.initWorkspace,
      services.command('Initialise Workspace', async () => {
        await ws.writable();
        vscode.window.showInformationMessage(`Lathe: store ready at ${ws.layout.store}.`);
      }),
    ),
    ...registerDatasetCommands(services),
    ...registerModelCommands(services),
    ...registerQuantizeCommands(services),
    { dispose: registerBuiltinStages(lathe) },
    ...registerDistillCommands(services, active, context.extensionUri, lathe),
    ...registerLoraCommands(services, active, lathe),
    ...registerPipelineCommands(services),
    ...registerRunCommands(services, active, context.extensionUri),
    ...registerChartCommands(services, context.extensionUri),
    vscode.window.registerWebviewPanelSerializer(Panels.experiments, ExperimentsPanel.serializer(services, context.extensionUri)),
    vscode.window.registerWebviewPanelSerializer(Panels.sweep, SweepPanel.serializer(services, context.extensionUri)),
    vscode.window.registerWebviewPanelSerializer(Panels.models, ModelsPanel.serializer(services, context.extensionUri)),
  );
  services.output.info(`Lathe active in ${ws.layout.root}`);
  // after the views: a server that fails to start must not take the trees and commands with it
  try {
    context.subscriptions.push(await startLanguageClient(context, services.output));
  } catch (e) {
    services.output.error(`The pipeline language server did not start: ${describeError(e)}`);
  }
}

export function deactivate(): void {
  // everything is disposed through context.subscriptions
}
