import * as vscode from 'vscode';
import { listSweeps, sweepOf } from '../../core/charts';
import { formatBytes } from '../../core/format';
import { listModels, modelVersions, versionRef } from '../../core/registry';
import { Commands } from '../../shared/ids';
import { ModelsPanel } from '../panels/modelsPanel';
import { SweepPanel } from '../panels/sweepPanel';
import type { Services } from '../services';
import type { ModelNode } from '../trees/modelsTree';
import type { RunNode } from '../trees/runsTree';

/** Every registered version, grouped by model, to pick several from. */
async function pickModelVersions(s: Services): Promise<string[]> {
  const models = await listModels(s.ws.layout);
  if (models.length === 0) throw new Error('no models are registered yet: run "Lathe: Register ONNX Model" first');
  const items: (vscode.QuickPickItem & { ref?: string })[] = [];
  for (const m of models) {
    items.push({ label: m.name, kind: vscode.QuickPickItemKind.Separator });
    for (const v of await modelVersions(s.ws.layout, m.name)) {
      const ref = versionRef(v.name, v.version);
      items.push({ label: ref, description: [v.lineage.technique, formatBytes(v.file.size)].filter(Boolean).join(' · '), ref });
    }
  }
  const picked = await vscode.window.showQuickPick(items, { placeHolder: 'Model versions to compare', canPickMany: true });
  return picked?.flatMap((p) => (p.ref ? [p.ref] : [])) ?? [];
}

/** A model node stands for all its versions, a version node for itself. */
async function refsOf(s: Services, nodes: ModelNode[]): Promise<string[]> {
  const refs: string[] = [];
  for (const node of nodes) {
    if (node.kind === 'version') refs.push(versionRef(node.version.name, node.version.version));
    else refs.push(...(await modelVersions(s.ws.layout, node.summary.name)).reverse().map((v) => versionRef(v.name, v.version)));
  }
  return [...new Set(refs)];
}

export function registerChartCommands(s: Services, extensionUri: vscode.Uri): vscode.Disposable[] {
  // a sweep name (from Run Pipeline Sweep) or a run of a sweep: that sweep; otherwise (palette, or a run outside any
  // sweep) a pick of the sweeps there are
  const showSweep = s.command('Show Sweep', async (target?: RunNode | string) => {
    const node = typeof target === 'string' ? undefined : target;
    let sweep = typeof target === 'string' ? target : node?.kind === 'run' ? sweepOf(node.run) : undefined;
    if (!sweep) {
      const sweeps = await listSweeps(s.ws.layout);
      if (sweeps.length === 0) {
        vscode.window.showInformationMessage('Lathe: no sweeps yet. A sweep is the runs tagged sweep:<name>, e.g. `lathe run --tag sweep:lr-search --param lr=0.01 -- python train.py`.');
        return;
      }
      const picked = await vscode.window.showQuickPick(
        sweeps.map((w) => ({ label: w.name, description: `${w.trials} trial${w.trials === 1 ? '' : 's'}` })),
        { placeHolder: node ? `${node.kind === 'run' ? node.run.name : 'These runs'} belong to no sweep: pick one` : 'Sweep to show' },
      );
      sweep = picked?.label;
    }
    if (sweep) SweepPanel.show(s, extensionUri, sweep);
  });

  const compareVersions = s.command('Compare Model Versions', async (node?: ModelNode, selection?: ModelNode[]) => {
    const nodes = selection && selection.length > 0 ? selection : node ? [node] : [];
    const refs = nodes.length ? await refsOf(s, nodes) : await pickModelVersions(s);
    if (refs.length > 0) ModelsPanel.show(s, extensionUri, refs);
  });

  return [
    vscode.commands.registerCommand(Commands.showSweep, showSweep),
    vscode.commands.registerCommand(Commands.compareModelVersions, compareVersions),
  ];
}
