import * as vscode from 'vscode';
import type { OperationOptions } from '../core/events';
import { guarded, ReportProvider, withProgress } from './util/ui';
import type { LatheWorkspace } from './workspace';

/** What every command and view needs, created once in activate() and disposed with the extension. */
export class Services implements vscode.Disposable {
  readonly output = vscode.window.createOutputChannel('Lathe', { log: true });
  readonly reports = new ReportProvider();
  private readonly registration = vscode.workspace.registerTextDocumentContentProvider(ReportProvider.scheme, this.reports);

  constructor(readonly ws: LatheWorkspace) {}

  progress<T>(title: string, op: (opts: OperationOptions) => Promise<T>): Promise<T> {
    return withProgress(this.output, title, op);
  }

  command<A extends unknown[]>(name: string, fn: (...args: A) => Promise<unknown>): (...args: A) => Promise<void> {
    return guarded(this.output, name, fn);
  }

  dispose(): void {
    this.registration.dispose();
    this.reports.dispose();
    this.output.dispose();
  }
}
