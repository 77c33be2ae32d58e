import * as path from 'node:path';
import * as vscode from 'vscode';
import { aliasProblem, exportModel, modelAliases, modelLineage, registerModel, resolveModelRef, setAlias, STANDARD_ALIASES } from '../../core/registry';
import { Commands } from '../../shared/ids';
import { renderModelLineage, renderModelVersion } from '../reports/models';
import type { Services } from '../services';
import type { ModelNode } from '../trees/modelsTree';
import { pickModelVersion, pickWorkspacePath, validateName } from './pickers';

function refOf(node: ModelNode): string {
  return node.kind === 'model' ? node.summary.name : `${node.version.name}@v${node.version.version}`;
}

export function registerModelCommands(s: Services): vscode.Disposable[] {
  const resolveRef = async (node: ModelNode | undefined, placeHolder: string) => (node ? refOf(node) : pickModelVersion(s.ws.layout, placeHolder));

  const register = s.command('Register Model', async (uri?: vscode.Uri) => {
    const layout = await s.ws.writable();
    const file = uri?.fsPath ?? (await pickWorkspacePath(layout.root, 'ONNX model file to register', '**/*.onnx'));
    if (!file) return;
    const name = await vscode.window.showInputBox({
      title: 'Model name',
      value: path.basename(file, '.onnx'),
      validateInput: validateName,
    });
    if (!name) return;
    const version = await s.progress(`Registering ${path.basename(file)}`, () => registerModel(layout, file, { name }));
    s.ws.fire('models');
    vscode.window.showInformationMessage(
      version.created
        ? `Lathe: registered ${version.name}@v${version.version}.`
        : `Lathe: ${version.name}@v${version.version} already holds these bytes; no new version.`,
    );
  });

  const alias = s.command('Set Model Alias', async (node?: ModelNode) => {
    const ref = await resolveRef(node, 'Version to alias');
    if (!ref) return;
    const custom = 'Custom alias…';
    const picked = await vscode.window.showQuickPick([...STANDARD_ALIASES, custom], { placeHolder: `Alias for ${ref}` });
    if (!picked) return;
    const name =
      picked === custom
        ? await vscode.window.showInputBox({
            title: 'Alias',
            validateInput: aliasProblem,
          })
        : picked;
    if (!name) return;
    const layout = await s.ws.writable();
    await setAlias(layout, ref, name);
    s.ws.fire('models');
    vscode.window.showInformationMessage(`Lathe: ${name} → ${ref}.`);
  });

  const exportVersion = s.command('Export Model', async (node?: ModelNode) => {
    const ref = await resolveRef(node, 'Version to export');
    if (!ref) return;
    const version = await resolveModelRef(s.ws.layout, ref);
    const dest = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.file(path.join(s.ws.layout.root, `${version.name}-v${version.version}.onnx`)),
      filters: { 'ONNX model': ['onnx'] },
    });
    if (!dest) return;
    await exportModel(s.ws.layout, ref, dest.fsPath);
    vscode.window.showInformationMessage(`Lathe: exported ${version.name}@v${version.version} to ${dest.fsPath}.`);
  });

  const lineage = s.command('Show Model Lineage', async (node?: ModelNode) => {
    const ref = await resolveRef(node, 'Version whose lineage to show');
    if (ref) await s.reports.show(`Lineage of ${ref}`, renderModelLineage(await modelLineage(s.ws.layout, ref)));
  });

  const details = s.command('Show Model Version', async (node?: ModelNode) => {
    const ref = await resolveRef(node, 'Version to show');
    if (!ref) return;
    const version = await resolveModelRef(s.ws.layout, ref);
    const aliases = Object.entries(await modelAliases(s.ws.layout, version.name))
      .filter(([, v]) => v === version.version)
      .map(([a]) => a);
    await s.reports.show(ref, renderModelVersion(version, aliases));
  });

  return [
    vscode.commands.registerCommand(Commands.registerModel, register),
    vscode.commands.registerCommand(Commands.setModelAlias, alias),
    vscode.commands.registerCommand(Commands.exportModel, exportVersion),
    vscode.commands.registerCommand(Commands.showModelLineage, lineage),
    vscode.commands.registerCommand(Commands.showModelDetails, details),
  ];
}
