import * as vscode from 'vscode';
import { describeError } from '../core/workspace/errors';
import { Commands, Panels, Views } from '../shared/ids';
import { registerDatasetCommands } from './commands/datasetCommands';
import { registerModelCommands } from './commands/modelCommands';
import { registerPipelineCommands } from './commands/pipelineCommands';
import { ActiveRuns, registerRunCommands } from './commands/runCommands';
import { startLanguageClient } from './languageClient';
import { ExperimentsPanel } from './panels/experimentsPanel';
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
  const runsView = vscode.window.createTreeView(Views.runs, { treeDataProvider: runs, canSelectMany: true, showCollapseAll: true });

  context.subscriptions.push(
    ws,
    services,
    active,
    statusBar,
    runsView,
    vscode.window.createTreeView(Views.datasets, { treeDataProvider: datasets, showCollapseAll: true }),
    vscode.window.createTreeView(Views.models, { treeDataProvider: models, showCollapseAll: true }),
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
    ...registerPipelineCommands(services),
    ...registerRunCommands(services, active, context.extensionUri),
    vscode.window.registerWebviewPanelSerializer(Panels.experiments, ExperimentsPanel.serializer(services, context.extensionUri)),
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
