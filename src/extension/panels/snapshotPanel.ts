import * as vscode from 'vscode';
import type { Services } from '../services';
import type { StoreArea } from '../workspace';
import { PanelController, type Decoded } from './panelHost';

// Store changes come in bursts (a sweep's trials finishing, a registration writing blob then record): one refresh.
const REFRESH_DEBOUNCE_MS = 300;

/**
 * A panel whose webview gets its whole data as one message: when it posts `initialized`, and again (debounced) when
 * the parts of the store it shows change. Snapshots are built one at a time, so a slow one never overtakes a newer.
 */
export abstract class SnapshotPanel<In, Out> extends PanelController<In, Out> {
  /** Webview loaded and sent `initialized`: a hidden webview is unloaded, and says so again when shown. */
  protected ready = false;
  private timer: NodeJS.Timeout | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(panel: vscode.WebviewPanel, decode: (value: unknown) => Decoded<In>, s: Services, areas: StoreArea[]) {
    super(panel, decode, s);
    this.disposables.push(
      s.ws.onDidChange((area) => areas.includes(area) && this.scheduleRefresh()),
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.ready = false;
      }),
      { dispose: () => clearTimeout(this.timer) },
    );
  }

  /** The message with everything the webview shows. */
  protected abstract snapshot(): Promise<Out>;

  /** Send a fresh snapshot now (if the webview is there to take it). */
  protected refresh(): void {
    clearTimeout(this.timer);
    if (!this.ready) return;
    const next = this.queue.then(async () => this.post(await this.snapshot()));
    this.queue = next.catch((e) => this.fail(e));
  }

  protected scheduleRefresh(): void {
    if (!this.ready) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.refresh(), REFRESH_DEBOUNCE_MS);
  }
}
