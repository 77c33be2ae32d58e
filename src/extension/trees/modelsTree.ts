import * as vscode from 'vscode';
import { listModels, modelVersions, type ModelSummary, type ModelVersion } from '../../core/registry';
import { Commands, TreeContext } from '../../shared/ids';
import { formatAge, formatBytes, formatNumber } from '../../core/format';
import type { LatheWorkspace } from '../workspace';

export type ModelNode = { kind: 'model'; summary: ModelSummary } | { kind: 'version'; version: ModelVersion; aliases: string[] };

function aliasesOf(summary: ModelSummary, version: number): string[] {
  return Object.entries(summary.aliases)
    .filter(([, v]) => v === version)
    .map(([alias]) => alias)
    .sort();
}

/** Registered models → their versions, newest first, with the aliases that point at each. */
export class ModelsTree implements vscode.TreeDataProvider<ModelNode> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly ws: LatheWorkspace) {}

  refresh(): void {
    this.changed.fire();
  }

  async getChildren(node?: ModelNode): Promise<ModelNode[]> {
    if (!node) {
      const models = await listModels(this.ws.layout);
      return models.map((summary) => ({ kind: 'model', summary }));
    }
    if (node.kind === 'model') {
      const versions = await modelVersions(this.ws.layout, node.summary.name);
      return versions.map((version) => ({ kind: 'version', version, aliases: aliasesOf(node.summary, version.version) }));
    }
    return [];
  }

  getTreeItem(node: ModelNode): vscode.TreeItem {
    if (node.kind === 'model') {
      const { summary } = node;
      const item = new vscode.TreeItem(summary.name, vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `model:${summary.name}`;
      const aliasText = Object.entries(summary.aliases)
        .map(([a, v]) => `${a}→v${v}`)
        .join(', ');
      item.description = `${summary.versionCount} version(s)${aliasText ? ` · ${aliasText}` : ''}`;
      item.iconPath = new vscode.ThemeIcon('package');
      item.contextValue = TreeContext.model;
      return item;
    }
    const v = node.version;
    const item = new vscode.TreeItem(`v${v.version}`, vscode.TreeItemCollapsibleState.None);
    item.id = `model:${v.name}@v${v.version}`;
    const metrics = Object.entries(v.metrics ?? {})
      .slice(0, 2)
      .map(([k, m]) => `${k}=${formatNumber(m)}`);
    item.description = [
      node.aliases.length ? `[${node.aliases.join(', ')}]` : '',
      formatBytes(v.file.size),
      v.lineage?.technique ?? '',
      ...metrics,
      formatAge(v.createdAt),
    ]
      .filter(Boolean)
      .join(' · ');
    item.iconPath = new vscode.ThemeIcon(v.kind === 'adapter' ? 'extensions' : node.aliases.includes('production') ? 'verified-filled' : node.aliases.length ? 'tag' : 'circle-outline');
    item.contextValue = v.kind === 'adapter' ? TreeContext.adapterVersion : TreeContext.modelVersion;
    item.tooltip = new vscode.MarkdownString(
      [
        `**${v.name}@v${v.version}**${node.aliases.length ? ` (${node.aliases.join(', ')})` : ''}`,
        `${formatBytes(v.file.size)}, ${v.onnx.parameterCount.toLocaleString('en-US')} parameters, opset ${v.onnx.opsets['ai.onnx'] ?? '?'}`,
        v.lineage?.parent ? `Parent: ${v.lineage.parent}${v.lineage.technique ? ` (${v.lineage.technique})` : ''}` : '',
      ]
        .filter(Boolean)
        .join('\n\n'),
    );
    item.command = { command: Commands.showModelDetails, title: 'Show Model Version Details', arguments: [node] };
    return item;
  }
}
