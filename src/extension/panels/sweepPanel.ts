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
import { PanelSlot, watchRunMetrics } from './panelHost';
import { SnapshotPanel } from './snapshotPanel';

/**
 * The sweep panel: the trials of one sweep (runs tagged `sweep:<name>`) as parallel coordinates, parameter scatter
 * plots, parameter importance, optimisation history and intermediate values. One panel per window; showing another
 * sweep re-targets it. Redrawn when runs change or report metrics.
 */
export class SweepPanel extends SnapshotPanel<SweepWebviewMessage, SweepExtensionMessage> {
  private static readonly slot = new PanelSlot<SweepPanel>({ viewType: Panels.sweep, title: 'Sweep', script: 'sweep' });
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
    this.disposables.push(watchRunMetrics(s.ws.layout.runs, () => this.scheduleRefresh()));
  }

  static show(s: Services, extensionUri: vscode.Uri, sweep: string): void {
    SweepPanel.slot.show(
      extensionUri,
      (open) => {
        if (open.sweep !== sweep) open.objective = {};
        open.sweep = sweep;
        open.panel.title = `Sweep ${sweep}`;
        open.refresh();
      },
      (panel) => new SweepPanel(panel, s, sweep),
    );
  }

  static serializer(s: Services, extensionUri: vscode.Uri): vscode.WebviewPanelSerializer {
    return SweepPanel.slot.serializer(extensionUri, (panel, state) => {
      const saved = decodeSweepPanelState(state);
      return saved && new SweepPanel(panel, s, saved.sweep, saved.objective);
    });
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
        return this.saveCsv(`sweep-${this.sweep}`, async () => sweepCsv(await readSweep(this.s.ws.layout, this.sweep, this.objective, this.maxPoints)));
      case 'exportPng':
        return this.savePng(`sweep-${this.sweep}-${message.chart}`, message.dataUrl);
    }
  }
}
