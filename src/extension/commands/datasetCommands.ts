import * as path from 'node:path';
import * as vscode from 'vscode';
import { addDataset, checkoutDataset, datasetLog, diffDatasets, pullDatasets, pushDatasets } from '../../core/data';
import { Commands } from '../../shared/ids';
import { renderDatasetDiff } from '../reports/datasetDiff';
import type { Services } from '../services';
import type { DatasetNode } from '../trees/datasetsTree';
import { pickDataset, pickDatasetVersion, pickWorkspacePath, validateName } from './pickers';

function refOf(node: DatasetNode): string {
  return node.kind === 'dataset' ? `${node.summary.name}@latest` : `${node.version.name}@v${node.version.version}`;
}

function pathOf(s: Services, node: DatasetNode): string {
  return path.join(s.ws.layout.root, node.kind === 'dataset' ? node.summary.path : node.version.path);
}

export function registerDatasetCommands(s: Services): vscode.Disposable[] {
  const track = s.command('Track Dataset', async (uri?: vscode.Uri) => {
    const layout = await s.ws.writable();
    const target = uri?.fsPath ?? (await pickWorkspacePath(layout.root, 'File or folder to version as a dataset'));
    if (!target) return;
    const suggested = path.basename(target).replace(/\.[^.]+$/, '');
    const name = await vscode.window.showInputBox({
      title: 'Dataset name',
      value: suggested,
      validateInput: validateName,
    });
    if (!name) return;
    const message = await vscode.window.showInputBox({ title: 'Version message (optional)', placeHolder: 'e.g. cleaned labels' });
    if (message === undefined) return;
    const result = await s.progress(`Tracking ${path.relative(layout.root, target)}`, (opts) => addDataset(layout, target, { name, message }, opts));
    s.ws.fire('datasets');
    const m = result.manifest;
    vscode.window.showInformationMessage(
      result.unchanged ? `Lathe: ${m.name} is unchanged (still v${m.version}).` : `Lathe: tracked ${m.name}@v${m.version} (${m.fileCount} file(s)).`,
    );
  });

  const checkout = s.command('Checkout Dataset', async (node?: DatasetNode) => {
    const layout = await s.ws.writable();
    let ref = node ? refOf(node) : undefined;
    if (!ref) {
      const name = await pickDataset(layout, 'Dataset to check out');
      ref = name && (await pickDatasetVersion(layout, name, 'Version to restore'));
    }
    if (!ref) return;
    const target = ref;
    try {
      await s.progress(`Checking out ${target}`, (opts) => checkoutDataset(layout, target, { force: false }, opts));
    } catch (e) {
      const local = e instanceof Error && /local change/i.test(e.message);
      if (!local) throw e;
      const choice = await vscode.window.showWarningMessage(`${e.message}. Overwrite the local changes?`, { modal: true }, 'Overwrite');
      if (choice !== 'Overwrite') return;
      await s.progress(`Checking out ${target}`, (opts) => checkoutDataset(layout, target, { force: true }, opts));
    }
    vscode.window.showInformationMessage(`Lathe: checked out ${target}.`);
  });

  const showDiff = async (a: string, b: string) => {
    const diff = await diffDatasets(s.ws.layout, a, b);
    await s.reports.show(`Diff ${a} → ${b}`, renderDatasetDiff(diff));
  };

  const diff = s.command('Diff Dataset Versions', async (node?: DatasetNode) => {
    const name = node?.kind === 'dataset' ? node.summary.name : await pickDataset(s.ws.layout, 'Dataset to compare');
    if (!name) return;
    const a = await pickDatasetVersion(s.ws.layout, name, 'Base version');
    const b = a && (await pickDatasetVersion(s.ws.layout, name, 'Compare with'));
    if (a && b) await showDiff(a, b);
  });

  const diffWithPrevious = s.command('Diff with Previous', async (node?: DatasetNode) => {
    if (node?.kind !== 'version') return;
    const { name, version } = node.version;
    const older = (await datasetLog(s.ws.layout, name)).find((v) => v.version < version);
    if (!older) {
      vscode.window.showInformationMessage(`Lathe: ${name}@v${version} is the first version; there is nothing to compare with.`);
      return;
    }
    await showDiff(`${name}@v${older.version}`, `${name}@v${version}`);
  });

  const copyPath = s.command('Copy Dataset Path', async (node?: DatasetNode) => {
    if (node) await vscode.env.clipboard.writeText(pathOf(s, node));
  });

  const reveal = s.command('Reveal Dataset', async (node?: DatasetNode) => {
    if (node) await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(pathOf(s, node)));
  });

  const remoteSetting = () => vscode.workspace.getConfiguration('lathe').get<string>('datasets.remote') || undefined;

  const push = s.command('Push Datasets', async () => {
    const layout = await s.ws.writable();
    const r = await s.progress('Pushing datasets', (opts) => pushDatasets(layout, { remote: remoteSetting() }, opts));
    vscode.window.showInformationMessage(`Lathe: pushed ${r.blobs} blob(s), ${r.manifests} manifest(s) to ${r.remote}.`);
  });

  const pull = s.command('Pull Datasets', async () => {
    const layout = await s.ws.writable();
    const r = await s.progress('Pulling datasets', (opts) => pullDatasets(layout, { remote: remoteSetting() }, opts));
    s.ws.fire('datasets');
    vscode.window.showInformationMessage(`Lathe: pulled ${r.blobs} blob(s), ${r.manifests} manifest(s) from ${r.remote}.`);
  });

  return [
    vscode.commands.registerCommand(Commands.trackDataset, track),
    vscode.commands.registerCommand(Commands.checkoutDataset, checkout),
    vscode.commands.registerCommand(Commands.diffDataset, diff),
    vscode.commands.registerCommand(Commands.diffDatasetWithPrevious, diffWithPrevious),
    vscode.commands.registerCommand(Commands.copyDatasetPath, copyPath),
    vscode.commands.registerCommand(Commands.revealDataset, reveal),
    vscode.commands.registerCommand(Commands.pushDatasets, push),
    vscode.commands.registerCommand(Commands.pullDatasets, pull),
  ];
}
