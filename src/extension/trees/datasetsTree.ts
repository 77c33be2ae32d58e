import * as vscode from 'vscode';
import { datasetLog, listDatasets, type DatasetSummary, type DatasetVersion } from '../../core/data';
import { TreeContext } from '../../shared/ids';
import { formatAge, formatBytes } from '../../core/format';
import type { LatheWorkspace } from '../workspace';

export type DatasetNode = { kind: 'dataset'; summary: DatasetSummary } | { kind: 'version'; version: DatasetVersion; latest: boolean };

function versionDescription(v: DatasetVersion): string {
  const parts = [formatBytes(v.totalSize)];
  if (v.kind === 'folder') parts.push(`${v.fileCount} files`);
  if (v.table) parts.push(`${v.table.rows.toLocaleString('en-US')} rows × ${v.table.columns.length} cols`);
  parts.push(formatAge(v.createdAt));
  return parts.join(' · ');
}

/** Datasets → their versions, newest first. */
export class DatasetsTree implements vscode.TreeDataProvider<DatasetNode> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly ws: LatheWorkspace) {}

  refresh(): void {
    this.changed.fire();
  }

  async getChildren(node?: DatasetNode): Promise<DatasetNode[]> {
    if (!node) {
      const datasets = await listDatasets(this.ws.layout);
      return datasets.map((summary) => ({ kind: 'dataset', summary }));
    }
    if (node.kind === 'dataset') {
      const versions = await datasetLog(this.ws.layout, node.summary.name);
      return versions.map((version, i) => ({ kind: 'version', version, latest: i === 0 }));
    }
    return [];
  }

  getTreeItem(node: DatasetNode): vscode.TreeItem {
    if (node.kind === 'dataset') {
      const { summary } = node;
      const item = new vscode.TreeItem(summary.name, vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `dataset:${summary.name}`;
      item.description = `${summary.path} · v${summary.latest.version}`;
      item.iconPath = new vscode.ThemeIcon(summary.latest.kind === 'folder' ? 'file-directory' : 'database');
      item.contextValue = TreeContext.dataset;
      item.tooltip = new vscode.MarkdownString(
        `**${summary.name}** — \`${summary.path}\`\n\n${summary.versionCount} version(s); latest v${summary.latest.version}: ${versionDescription(summary.latest)}`,
      );
      return item;
    }
    const v = node.version;
    const item = new vscode.TreeItem(`v${v.version}`, vscode.TreeItemCollapsibleState.None);
    item.id = `dataset:${v.name}@v${v.version}`;
    item.description = versionDescription(v) + (node.latest ? ' · latest' : '');
    item.iconPath = new vscode.ThemeIcon('git-commit');
    item.contextValue = TreeContext.datasetVersion;
    const columns = v.table?.columns.map((c) => `\`${c.name}\`: ${c.type}`).join(', ');
    item.tooltip = new vscode.MarkdownString(
      [`**${v.name}@v${v.version}**${v.message ? ` — ${v.message}` : ''}`, `${v.fileCount} file(s), ${formatBytes(v.totalSize)}, ${v.createdAt}`, columns ? `Columns: ${columns}` : '']
        .filter(Boolean)
        .join('\n\n'),
    );
    return item;
  }
}
