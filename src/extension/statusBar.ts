import * as vscode from 'vscode';
import { listRuns } from '../core/runs';
import { Views } from '../shared/ids';
import type { ActiveRuns } from './commands/runCommands';
import type { LatheWorkspace } from './workspace';

/** "$(sync~spin) Lathe: 2 running" while runs are running (from this window or any other process); hidden otherwise. */
export class RunStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('lathe.runs', vscode.StatusBarAlignment.Left, 10);
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly ws: LatheWorkspace,
    private readonly active: ActiveRuns,
  ) {
    this.item.name = 'Lathe Runs';
    this.item.command = `${Views.runs}.focus`;
    this.subscriptions = [
      ws.onDidChange((area) => area === 'runs' && void this.update()),
      active.onDidChange(() => void this.update()),
    ];
    void this.update();
  }

  private async update(): Promise<void> {
    const running = (await listRuns(this.ws.layout)).filter((r) => r.status === 'running').length;
    const count = Math.max(running, this.active.size);
    if (count === 0) {
      this.item.hide();
      return;
    }
    this.item.text = `$(sync~spin) Lathe: ${count} running`;
    this.item.tooltip = 'Lathe runs in progress — click to show the Runs view';
    this.item.show();
  }

  dispose(): void {
    for (const d of this.subscriptions) d.dispose();
    this.item.dispose();
  }
}
