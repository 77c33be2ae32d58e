import * as vscode from 'vscode';
import { listRuns, type RunRecord } from '../../core/runs';
import { Commands, TreeContext } from '../../shared/ids';
import { formatAge, formatDuration, formatNumber } from '../../core/format';
import type { LatheWorkspace } from '../workspace';

type RunStatus = RunRecord['status'];

const GROUPS: { status: RunStatus; label: string; icon: vscode.ThemeIcon }[] = [
  { status: 'running', label: 'Running', icon: new vscode.ThemeIcon('sync~spin', new vscode.ThemeColor('charts.blue')) },
  { status: 'completed', label: 'Completed', icon: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')) },
  { status: 'failed', label: 'Failed', icon: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')) },
  { status: 'cancelled', label: 'Cancelled', icon: new vscode.ThemeIcon('circle-slash') },
];

export type RunNode = { kind: 'group'; status: RunStatus; runs: RunRecord[] } | { kind: 'run'; run: RunRecord };

/** Runs grouped by status, newest first; the running group is live (spinning icons). */
export class RunsTree implements vscode.TreeDataProvider<RunNode> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  /** The runs shown: read before VS Code is told the tree changed (see refresh). */
  private runs: RunRecord[] | undefined;
  private loading: Promise<RunRecord[]> | undefined;
  /** Counts the refreshes: part of the groups' ids, so every refresh shows new group items (see refresh). */
  private generation = 0;
  /** Groups the user collapsed: a group's id changes with every refresh, so VS Code cannot remember it. */
  private readonly collapsed = new Set<RunStatus>();

  constructor(private readonly ws: LatheWorkspace) {}

  /**
   * Read the runs, then tell VS Code. On a change VS Code forgets every item at once and asks for the root again; a
   * request for an expanded group's children still in flight from the previous refresh then finds no such item
   * ("No tree item with id '1/runs:completed' found"), gets nothing, and the group stayed empty — seen as a
   * pipeline's stages finished one after another. With a new id per refresh, the groups of the latest refresh are
   * new items whose children VS Code always asks for.
   */
  refresh(): void {
    const loading = (this.loading = listRuns(this.ws.layout));
    const settle = (runs: RunRecord[] | undefined) => {
      if (this.loading !== loading) return;
      // on a read error the next getChildren reads again and shows the error
      this.runs = runs;
      this.generation++;
      this.changed.fire();
    };
    loading.then(settle, () => settle(undefined));
  }

  /** Follow the user's collapsing and expanding of the groups in this view. */
  watch(view: vscode.TreeView<RunNode>): vscode.Disposable {
    const track = (node: RunNode, collapsed: boolean) => {
      if (node.kind !== 'group') return;
      if (collapsed) this.collapsed.add(node.status);
      else this.collapsed.delete(node.status);
    };
    return vscode.Disposable.from(
      view.onDidCollapseElement((e) => track(e.element, true)),
      view.onDidExpandElement((e) => track(e.element, false)),
    );
  }

  async getChildren(node?: RunNode): Promise<RunNode[]> {
    if (!node) {
      const runs = this.runs ?? (this.runs = await listRuns(this.ws.layout));
      const max = vscode.workspace.getConfiguration('lathe').get<number>('runs.maxShown', 200);
      return GROUPS.map((g) => ({ kind: 'group' as const, status: g.status, runs: runs.filter((r) => r.status === g.status).slice(0, max) })).filter(
        (g) => g.runs.length > 0,
      );
    }
    return node.kind === 'group' ? node.runs.map((run) => ({ kind: 'run', run })) : [];
  }

  getTreeItem(node: RunNode): vscode.TreeItem {
    const group = GROUPS.find((g) => g.status === (node.kind === 'group' ? node.status : node.run.status)) ?? GROUPS[0];
    if (node.kind === 'group') {
      const state = this.collapsed.has(node.status) ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.Expanded;
      const item = new vscode.TreeItem(group.label, state);
      item.id = `runs:${node.status}:${this.generation}`;
      item.description = String(node.runs.length);
      item.contextValue = TreeContext.runGroup;
      return item;
    }
    const { run } = node;
    const item = new vscode.TreeItem(run.name, vscode.TreeItemCollapsibleState.None);
    // the status is part of the id: a run moving from Running to Completed would otherwise appear under its new group
    // while VS Code still holds it under the old one, and the tree refuses the duplicate id (the group shows its
    // count but none of its runs)
    item.id = `run:${run.status}:${run.id}`;
    const metrics = Object.entries(run.summary ?? {})
      .slice(0, 3)
      .map(([k, v]) => `${k}=${formatNumber(v)}`);
    const timing = run.status === 'running' ? `started ${formatAge(run.startedAt)}` : formatDuration(run.durationMs);
    item.description = [...metrics, timing].filter(Boolean).join(' · ');
    item.iconPath = group.icon;
    item.contextValue = run.status === 'running' ? TreeContext.runRunning : TreeContext.run;
    const params = Object.entries(run.params ?? {})
      .map(([k, v]) => `\`${k}\`=${String(v)}`)
      .join(', ');
    item.tooltip = new vscode.MarkdownString(
      [
        `**${run.name}** (${run.id}) — ${run.status}${run.exitCode !== undefined && run.exitCode !== null ? `, exit ${run.exitCode}` : ''}`,
        `\`${run.command.join(' ')}\``,
        params ? `Params: ${params}` : '',
        run.error ? `Error: ${run.error}` : '',
      ]
        .filter(Boolean)
        .join('\n\n'),
    );
    item.command = { command: Commands.showRunDetails, title: 'Show Run Details', arguments: [node] };
    return item;
  }
}
