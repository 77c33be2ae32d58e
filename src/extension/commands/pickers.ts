import * as path from 'node:path';
import * as vscode from 'vscode';
import { datasetLog, listDatasets } from '../../core/data';
import { listModels, modelVersions } from '../../core/registry';
import { listRuns, type RunRecord } from '../../core/runs';
import type { StoreLayout } from '../../core/workspace/layout';
import { formatAge, formatBytes } from '../../core/format';

/** Quick picks shared by commands invoked from the palette (tree context menus pass their node instead). */

export async function pickDataset(layout: StoreLayout, placeHolder = 'Dataset'): Promise<string | undefined> {
  const datasets = await listDatasets(layout);
  if (datasets.length === 0) throw new Error('no datasets are tracked yet: run "Lathe: Track Dataset" first');
  const picked = await vscode.window.showQuickPick(
    datasets.map((d) => ({ label: d.name, description: `${d.path} · v${d.latest.version}`, name: d.name })),
    { placeHolder },
  );
  return picked?.name;
}

export async function pickDatasetVersion(layout: StoreLayout, name: string, placeHolder: string): Promise<string | undefined> {
  const versions = await datasetLog(layout, name);
  const picked = await vscode.window.showQuickPick(
    versions.map((v) => ({
      label: `v${v.version}`,
      description: `${formatBytes(v.totalSize)} · ${formatAge(v.createdAt)}`,
      detail: v.message || undefined,
      ref: `${name}@v${v.version}`,
    })),
    { placeHolder },
  );
  return picked?.ref;
}

export async function pickModelVersion(layout: StoreLayout, placeHolder = 'Model version'): Promise<string | undefined> {
  const models = await listModels(layout);
  if (models.length === 0) throw new Error('no models are registered yet: run "Lathe: Register ONNX Model" first');
  const items: (vscode.QuickPickItem & { ref?: string })[] = [];
  for (const m of models) {
    items.push({ label: m.name, kind: vscode.QuickPickItemKind.Separator });
    for (const v of await modelVersions(layout, m.name)) {
      const aliases = Object.entries(m.aliases)
        .filter(([, n]) => n === v.version)
        .map(([a]) => a);
      items.push({
        label: `${m.name}@v${v.version}`,
        description: [aliases.join(', '), formatBytes(v.file.size), formatAge(v.createdAt)].filter(Boolean).join(' · '),
        ref: `${m.name}@v${v.version}`,
      });
    }
  }
  const picked = await vscode.window.showQuickPick(items, { placeHolder });
  return picked?.ref;
}

export async function pickRuns(layout: StoreLayout, placeHolder: string, canPickMany: boolean): Promise<RunRecord[]> {
  const runs = await listRuns(layout);
  if (runs.length === 0) throw new Error('there are no runs yet: run "Lathe: Run Command as Experiment" first');
  const items = runs.map((run) => ({ label: run.name, description: `${run.status} · ${formatAge(run.createdAt)}`, detail: run.command.join(' '), run }));
  if (canPickMany) {
    const picked = await vscode.window.showQuickPick(items, { placeHolder, canPickMany: true });
    return picked?.map((p) => p.run) ?? [];
  }
  const picked = await vscode.window.showQuickPick(items, { placeHolder });
  return picked ? [picked.run] : [];
}

const IGNORED_DIRS = '**/{.git,.lathe,node_modules,__pycache__,.venv}/**';

/** Files and folders of the workspace a user may want to track, most likely first (data-looking ones). */
export async function pickWorkspacePath(root: string, placeHolder: string, include = '**/*'): Promise<string | undefined> {
  const files = await vscode.workspace.findFiles(new vscode.RelativePattern(vscode.Uri.file(root), include), IGNORED_DIRS, 5000);
  const rel = files.map((f) => path.relative(root, f.fsPath).split(path.sep).join('/')).sort();
  const folders = new Set<string>();
  for (const f of rel) {
    const parts = f.split('/');
    for (let i = 1; i < parts.length; i++) folders.add(parts.slice(0, i).join('/') + '/');
  }
  const items: vscode.QuickPickItem[] = [
    ...[...folders].sort().map((label) => ({ label, iconPath: new vscode.ThemeIcon('folder') })),
    ...rel.map((label) => ({ label, iconPath: new vscode.ThemeIcon('file') })),
  ];
  const picked = await vscode.window.showQuickPick(items, { placeHolder, matchOnDescription: true });
  return picked ? path.join(root, picked.label.replace(/\/$/, '')) : undefined;
}

export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function validateName(value: string): string | undefined {
  return NAME_PATTERN.test(value) ? undefined : 'Use letters, digits, ".", "_" or "-", starting with a letter or digit.';
}
