import * as path from 'node:path';
import * as vscode from 'vscode';
import { latheEvents } from '../core/events';
import { layoutFor, type StoreLayout } from '../core/workspace/layout';
import { findRoot, initStore } from '../core/workspace/root';

export type StoreArea = 'datasets' | 'models' | 'runs';

const DEBOUNCE_MS = 250;

/** Which part of the store a changed file belongs to; logs, metrics and the cache do not change the trees. */
function areaOf(layout: StoreLayout, file: string): StoreArea | undefined {
  const rel = path.relative(layout.store, file).split(path.sep);
  if (rel[0] === 'datasets' || rel[0] === 'models') return rel[0];
  if (rel[0] === 'runs' && (rel.length <= 2 || rel[2] === 'run.json')) return 'runs';
  return undefined;
}

/**
 * The workspace's store as the extension sees it: its layout, and one debounced change event fed by core's event
 * stream (our own writes) and a file watcher on `.lathe` (writes by the CLI, scripts, git checkouts).
 */
export class LatheWorkspace implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<StoreArea>();
  private readonly pending = new Map<StoreArea, NodeJS.Timeout>();
  private readonly disposables: vscode.Disposable[] = [this.changed];
  readonly onDidChange = this.changed.event;

  private constructor(readonly layout: StoreLayout) {
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(layout.store), '**/*'));
    const onFile = (uri: vscode.Uri) => {
      const area = areaOf(layout, uri.fsPath);
      if (area) this.fire(area);
    };
    watcher.onDidCreate(onFile, undefined, this.disposables);
    watcher.onDidChange(onFile, undefined, this.disposables);
    watcher.onDidDelete(onFile, undefined, this.disposables);
    this.disposables.push(watcher);
    const unsubscribe = latheEvents.on((event) => {
      if (event.root !== layout.root) return;
      if (event.type === 'dataset-changed') this.fire('datasets');
      else if (event.type === 'model-changed') this.fire('models');
      else if (event.type === 'run-changed') this.fire('runs');
    });
    this.disposables.push({ dispose: unsubscribe });
  }

  /** The root is the first workspace folder holding a Lathe store or pipeline, else the first folder. */
  static async open(): Promise<LatheWorkspace | undefined> {
    const folders = vscode.workspace.workspaceFolders ?? [];
    for (const folder of folders) {
      const root = await findRoot(folder.uri.fsPath);
      if (root) return new LatheWorkspace(layoutFor(root));
    }
    return folders[0] ? new LatheWorkspace(layoutFor(folders[0].uri.fsPath)) : undefined;
  }

  /** The layout with its folders created: call before any write. */
  async writable(): Promise<StoreLayout> {
    return initStore(this.layout.root);
  }

  fire(area: StoreArea): void {
    clearTimeout(this.pending.get(area));
    this.pending.set(
      area,
      setTimeout(() => {
        this.pending.delete(area);
        this.changed.fire(area);
      }, DEBOUNCE_MS),
    );
  }

  dispose(): void {
    for (const t of this.pending.values()) clearTimeout(t);
    for (const d of this.disposables) d.dispose();
  }
}
