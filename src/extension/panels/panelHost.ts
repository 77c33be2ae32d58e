import * as path from 'node:path';
import * as vscode from 'vscode';
import { describeError } from '../../core/workspace/errors';
import { PROTOCOL_VERSION, type NoticeMessage } from '../../shared/messages';
import type { Services } from '../services';
import { createNonce, panelHtml } from './html';

/** What kind of panel: its view type (also the serializer's key), title and bundled script `dist/webviews/<script>.js`. */
export interface PanelKind {
  viewType: string;
  title: string;
  script: string;
}

/** Webviews may load only the bundled webview code and the extension's media, nothing else on disk. */
export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webviews'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

/** Give a (new or restored) panel its options and page; every load gets a fresh nonce. */
export function preparePanel(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, kind: PanelKind): void {
  const { webview } = panel;
  webview.options = webviewOptions(extensionUri);
  const asset = (file: string) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webviews', file)).toString();
  panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'lathe.svg');
  webview.html = panelHtml({
    title: kind.title,
    cspSource: webview.cspSource,
    nonce: createNonce(),
    scriptUri: asset(`${kind.script}.js`),
    styleUri: asset(`${kind.script}.css`),
  });
}

export function createPanel(extensionUri: vscode.Uri, kind: PanelKind, column = vscode.ViewColumn.Active): vscode.WebviewPanel {
  const panel = vscode.window.createWebviewPanel(kind.viewType, kind.title, column, webviewOptions(extensionUri));
  preparePanel(panel, extensionUri, kind);
  return panel;
}

/** A file name for an export named after a chart or metric (anything but word characters, dots and dashes is replaced). */
export const exportFileName = (name: string, ext: string) => `${name.replace(/[^\w.-]+/g, '_') || 'chart'}.${ext}`;

/** Watch every run's metrics.jsonl: the store watcher leaves them out, as a training script appends many a second. */
export function watchRunMetrics(runsDir: string, onChange: (uri: vscode.Uri) => void): vscode.Disposable {
  const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(runsDir), '*/metrics.jsonl'));
  return vscode.Disposable.from(watcher, watcher.onDidChange(onChange), watcher.onDidCreate(onChange));
}

/** What a message decoder returns (as the decoders in shared/messages.ts do). */
export type Decoded<T> = { ok: true; message: T } | { ok: false; problem: string };

/**
 * Owns one panel: typed messages both ways (webview input is decoded, never trusted), everything it subscribes to
 * disposed with the panel. Subclasses handle the messages.
 */
export abstract class PanelController<In, Out> implements vscode.Disposable {
  protected readonly disposables: vscode.Disposable[] = [];
  private disposed = false;

  constructor(
    readonly panel: vscode.WebviewPanel,
    decode: (value: unknown) => Decoded<In>,
    protected readonly s: Services,
  ) {
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((raw: unknown) => {
        const decoded = decode(raw);
        if (!decoded.ok) {
          this.s.output.warn(`${panel.viewType}: ignored a webview message: ${decoded.problem}`);
          return;
        }
        this.handle(decoded.message).catch((e) => this.fail(e));
      }),
    );
  }

  protected abstract handle(message: In): Promise<void>;

  protected post(message: Out | NoticeMessage): void {
    if (!this.disposed) void this.panel.webview.postMessage(message);
  }

  /** Ask where to save an export (default: the workspace root), write it there and tell the webview where it went. */
  private async saveExport(defaultName: string, filters: Record<string, string[]>, content: () => Promise<Uint8Array>): Promise<void> {
    const target = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.file(path.join(this.s.ws.layout.root, defaultName)), filters });
    if (!target) return;
    await vscode.workspace.fs.writeFile(target, await content());
    this.post({ v: PROTOCOL_VERSION, type: 'notice', level: 'info', message: `Saved ${vscode.workspace.asRelativePath(target)}` });
  }

  /** Save a chart the webview sent as a PNG data URL (the contract checked its prefix). */
  protected savePng(name: string, dataUrl: string): Promise<void> {
    return this.saveExport(exportFileName(name, 'png'), { 'PNG image': ['png'] }, async () => Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64'));
  }

  protected saveCsv(name: string, text: () => Promise<string>): Promise<void> {
    return this.saveExport(exportFileName(name, 'csv'), { CSV: ['csv'] }, async () => Buffer.from(await text(), 'utf8'));
  }

  /** An error while serving the panel: logged, and shown to the user once. */
  protected fail(e: unknown): void {
    this.s.output.error(`${this.panel.viewType}: ${describeError(e)}`);
    void vscode.window.showErrorMessage(`Lathe: ${describeError(e)}`);
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}

/**
 * The one panel of a kind per window: showing it again re-targets the open panel instead of opening another, and a
 * panel restored after a window reload takes the slot.
 */
export class PanelSlot<P extends PanelController<unknown, unknown>> {
  private current: P | undefined;

  constructor(readonly kind: PanelKind) {}

  /** Re-target (`retarget`) and reveal the open panel, or open a new one (`create`). */
  show(extensionUri: vscode.Uri, retarget: (open: P) => void, create: (panel: vscode.WebviewPanel) => P): void {
    const open = this.current;
    if (open && !open.isDisposed) {
      retarget(open);
      open.panel.reveal();
      return;
    }
    this.current = create(createPanel(extensionUri, this.kind));
  }

  /** Restores the panel from what its webview saved with setState; `restore` returns undefined for a state it cannot use. */
  serializer(extensionUri: vscode.Uri, restore: (panel: vscode.WebviewPanel, state: unknown) => P | undefined): vscode.WebviewPanelSerializer {
    return {
      deserializeWebviewPanel: async (panel: vscode.WebviewPanel, state: unknown) => {
        const restored = restore(panel, state);
        if (!restored) {
          panel.dispose();
          return;
        }
        preparePanel(panel, extensionUri, this.kind);
        this.current?.dispose();
        this.current = restored;
      },
    };
  }
}
