import * as path from 'node:path';
import * as vscode from 'vscode';
import { EXPECTED_PLOT_WIDTH, ExperimentsData, FIRST_PAINT_BUDGET_MS } from '../../core/charts';
import { Panels } from '../../shared/ids';
import { decodePanelState, decodeWebviewMessage, DEFAULT_SERIES_OPTIONS, type ExtensionMessage, type WebviewMessage } from '../../shared/messages';
import type { Services } from '../services';
import { PanelController, PanelSlot, watchRunMetrics } from './panelHost';

// Metric lines arrive many per second from a training script: one update per this many ms at most.
const UPDATE_DEBOUNCE_MS = 300;

/**
 * The experiments panel: metric curves and the comparison table of chosen runs, updated live (appended points only)
 * while they run. One panel per window; showing other runs re-targets it.
 */
export class ExperimentsPanel extends PanelController<WebviewMessage, ExtensionMessage> {
  private static readonly slot = new PanelSlot<ExperimentsPanel>({ viewType: Panels.experiments, title: 'Experiments', script: 'experiments' });
  /** The plot width the last webview reported: the next panel likely has the same and prepares its snapshot for it. */
  private static lastPlotWidth = EXPECTED_PLOT_WIDTH;
  private readonly data: ExperimentsData;
  /** Webview loaded and sent `initialized`: updates make sense only on top of a snapshot it has. */
  private ready = false;
  private timer: NodeJS.Timeout | undefined;
  // snapshot/update/export read the store in turn, so an update never interleaves with the snapshot it builds on
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(panel: vscode.WebviewPanel, s: Services, runIds: string[], options = DEFAULT_SERIES_OPTIONS, plotWidth = ExperimentsPanel.lastPlotWidth) {
    super(panel, decodeWebviewMessage, s);
    this.data = new ExperimentsData(s.ws.layout, runIds, { ...options });
    this.setTitle();
    this.disposables.push(
      watchRunMetrics(s.ws.layout.runs, (uri) => {
        if (this.data.runIds.includes(path.basename(path.dirname(uri.fsPath)))) this.scheduleUpdate();
      }),
      s.ws.onDidChange((area) => area === 'runs' && this.scheduleUpdate()),
      panel.onDidChangeViewState(() => {
        // a hidden webview is unloaded; it posts `initialized` again when shown and gets a fresh snapshot
        if (!panel.visible) this.ready = false;
      }),
      { dispose: () => clearTimeout(this.timer) },
    );
    // while the webview loads its script: the snapshot `initialized` asks for is then ready (or its metrics read)
    this.enqueue(() => this.data.prefetch(plotWidth)).catch((e) => this.fail(e));
  }

  /** Open the panel on these runs (or point the open one at them). */
  static show(s: Services, extensionUri: vscode.Uri, runIds: string[]): void {
    ExperimentsPanel.slot.show(
      extensionUri,
      (open) => {
        open.data.runIds = runIds;
        open.setTitle();
        if (open.ready) open.sendSnapshot();
      },
      (panel) => new ExperimentsPanel(panel, s, runIds),
    );
  }

  /** Restores panels after a window reload from what the webview saved with setState. */
  static serializer(s: Services, extensionUri: vscode.Uri): vscode.WebviewPanelSerializer {
    return ExperimentsPanel.slot.serializer(extensionUri, (panel, state) => {
      const saved = decodePanelState(state);
      return new ExperimentsPanel(panel, s, saved.runIds, saved.options, saved.options.maxPoints);
    });
  }

  protected async handle(message: WebviewMessage): Promise<void> {
    switch (message.type) {
      case 'initialized':
        this.data.options.maxPoints = ExperimentsPanel.lastPlotWidth = message.maxPoints;
        this.ready = true;
        this.sendSnapshot();
        return;
      case 'setOptions':
        Object.assign(this.data.options, message.options);
        if (message.options.maxPoints !== undefined) ExperimentsPanel.lastPlotWidth = message.options.maxPoints;
        this.sendSnapshot();
        return;
      case 'exportCsv':
        return this.saveCsv(message.metric, () => this.enqueue(() => this.data.csv(message.metric)));
      case 'exportPng':
        return this.savePng(message.metric, message.dataUrl);
    }
  }

  private setTitle(): void {
    const n = this.data.runIds.length;
    this.panel.title = `Experiments (${n} run${n === 1 ? '' : 's'})`;
  }

  private enqueue<T>(job: () => Promise<T>): Promise<T> {
    const next = this.queue.then(job);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * A snapshot of what can be read within the budget at once, then an update with the remaining runs and whatever
   * changed since a snapshot prepared while the webview loaded.
   */
  private sendSnapshot(): void {
    clearTimeout(this.timer);
    this.enqueue(async () => {
      this.post(await this.data.snapshot(FIRST_PAINT_BUDGET_MS));
      const rest = await this.data.update();
      if (rest) this.post(rest);
    }).catch((e) => this.fail(e));
  }

  private scheduleUpdate(): void {
    if (!this.ready) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.enqueue(async () => {
        const update = this.ready ? await this.data.update() : undefined;
        if (update) this.post(update);
      }).catch((e) => this.fail(e));
    }, UPDATE_DEBOUNCE_MS);
  }
}
