import * as path from 'node:path';
import * as vscode from 'vscode';
import { describeError } from '../../core/workspace/errors';
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

/** Ask where to save a chart or data export and write it there: its workspace-relative path, or undefined if cancelled. */
export async function saveExport(root: string, defaultName: string, filters: Record<string, string[]>, content: () => Promise<Uint8Array>): Promise<string | undefined> {
  const target = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.file(path.join(root, defaultName)), filters });
  if (!target) return undefined;
  await vscode.workspace.fs.writeFile(target, await content());
  return vscode.workspace.asRelativePath(target);
}

/** A file name for an export named after a chart or metric (anything but word characters, dots and dashes is replaced). */
export const exportFileName = (name: string, ext: string) => `${name.replace(/[^\w.-]+/g, '_') || 'chart'}.${ext}`;

type Decoded<T> = { ok: true; message: T } | { ok: false; problem: string };

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
    protected readonly output: vscode.LogOutputChannel,
  ) {
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((raw: unknown) => {
        const decoded = decode(raw);
        if (!decoded.ok) {
          this.output.warn(`${panel.viewType}: ignored a webview message: ${decoded.problem}`);
          return;
        }
        this.handle(decoded.message).catch((e) => this.fail(e));
      }),
    );
  }

  protected abstract handle(message: In): Promise<void>;

  protected post(message: Out): void {
    if (!this.disposed) void this.panel.webview.postMessage(message);
  }

  /** An error while serving the panel: logged, and shown to the user once. */
  protected fail(e: unknown): void {
    this.output.error(`${this.panel.viewType}: ${describeError(e)}`);
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
