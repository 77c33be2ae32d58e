import * as vscode from 'vscode';
import { readSweep, sweepCsv } from '../../core/charts';
import { Panels } from '../../shared/ids';
import {
  decodeSweepPanelState,
  decodeSweepWebviewMessage,
  PROTOCOL_VERSION,
  type SweepExtensionMessage,
  type SweepObjective,
  type SweepWebviewMessage,
} from '../../shared/messages';
import type { Services } from '../services';
import { createPanel, exportFileName, preparePanel, saveExport, type PanelKind } from './panelHost';
import { SnapshotPanel } from './snapshotPanel';

const KIND: PanelKind = { viewType: Panels.sweep, title: 'Sweep', script: 'sweep' };

/**
 * The sweep panel: the trials of one sweep (runs tagged `sweep:<name>`) as parallel coordinates, parameter scatter
 * plots, parameter importance, optimisation history and intermediate values. One panel per window; showing another
 * sweep re-targets it. Redrawn when runs change or report metrics.
 */
export class SweepPanel extends SnapshotPanel<SweepWebviewMessage, SweepExtensionMessage> {
  private static current: SweepPanel | undefined;
  private maxPoints = 1000;

  private constructor(
    panel: vscode.WebviewPanel,
    s: Services,
    private sweep: string,
    private objective: Partial<SweepObjective> = {},
  ) {
    super(panel, decodeSweepWebviewMessage, s, ['runs']);
    panel.title = `Sweep ${sweep}`;
    // intermediate values arrive in metrics.jsonl, which the store watcher leaves out
    const metrics = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(s.ws.layout.runs), '*/metrics.jsonl'));
    this.disposables.push(
      metrics,
      metrics.onDidChange(() => this.scheduleRefresh()),
      metrics.onDidCreate(() => this.scheduleRefresh()),
      { dispose: () => SweepPanel.current === this && (SweepPanel.current = undefined) },
    );
  }

  static show(s: Services, extensionUri: vscode.Uri, sweep: string): void {
    const open = SweepPanel.current;
    if (open && !open.isDisposed) {
      if (open.sweep !== sweep) open.objective = {};
      open.sweep = sweep;
      open.panel.title = `Sweep ${sweep}`;
      open.panel.reveal();
      open.refresh();
      return;
    }
    SweepPanel.current = new SweepPanel(createPanel(extensionUri, KIND), s, sweep);
  }

  static serializer(s: Services, extensionUri: vscode.Uri): vscode.WebviewPanelSerializer {
    return {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
        const saved = decodeSweepPanelState(state);
        if (!saved) {
          panel.dispose();
          return;
        }
        preparePanel(panel, extensionUri, KIND);
        SweepPanel.current?.dispose();
        SweepPanel.current = new SweepPanel(panel, s, saved.sweep, saved.objective);
      },
    };
  }

  protected async snapshot(): Promise<SweepExtensionMessage> {
    return { v: PROTOCOL_VERSION, type: 'sweep', sweep: await readSweep(this.s.ws.layout, this.sweep, this.objective, this.maxPoints) };
  }

  protected async handle(message: SweepWebviewMessage): Promise<void> {
    switch (message.type) {
      case 'initialized':
        this.maxPoints = message.maxPoints;
        this.ready = true;
        this.refresh();
        return;
      case 'setObjective':
        this.objective = { ...this.objective, ...message.objective };
        // a new metric brings its own goal unless one was chosen with it
        if (message.objective.metric && !message.objective.goal) delete this.objective.goal;
        this.refresh();
        return;
      case 'exportCsv':
        return this.save(exportFileName(`sweep-${this.sweep}`, 'csv'), { CSV: ['csv'] }, async () => {
          const sweep = await readSweep(this.s.ws.layout, this.sweep, this.objective, this.maxPoints);
          return Buffer.from(sweepCsv(sweep), 'utf8');
        });
      case 'exportPng':
        return this.save(exportFileName(`sweep-${this.sweep}-${message.chart}`, 'png'), { 'PNG image': ['png'] }, async () =>
          Buffer.from(message.dataUrl.slice(message.dataUrl.indexOf(',') + 1), 'base64'),
        );
    }
  }

  private async save(defaultName: string, filters: Record<string, string[]>, content: () => Promise<Uint8Array>): Promise<void> {
    const saved = await saveExport(this.s.ws.layout.root, defaultName, filters, content);
    if (saved) this.post({ v: PROTOCOL_VERSION, type: 'notice', level: 'info', message: `Saved ${saved}` });
  }
}
