import * as vscode from 'vscode';
import type { OperationOptions } from '../../core/events';
import { describeError } from '../../core/workspace/errors';

/** Run a long operation with cancellable progress; core gets an AbortSignal and a progress callback. */
export async function withProgress<T>(
  output: vscode.LogOutputChannel,
  title: string,
  op: (opts: OperationOptions) => Promise<T>): Promise<T> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: true },
    async (progress, token) => {
      const controller = new AbortController();
      const sub = token.onCancellationRequested(() => controller.abort());
      let reported = 0;
      try {
        return await op({
          signal: controller.signal,
          log: (line) => output.info(line),
          onProgress: ({ message, fraction }) => {
            const increment = fraction === undefined ? undefined : Math.max(0, fraction * 100 - reported);
            if (fraction !== undefined) reported = fraction * 100;
            progress.report({ message, increment });
          },
        });
      } finally {
        sub.dispose();
      }
    },
  );
}

/**
 * Wrap a command handler: failures become one error notification that says what to do, with the details
 * in the output channel. Returns undefined on failure.
 */
export function guarded<A extends unknown[]>(
  output: vscode.LogOutputChannel,
  name: string,
  fn: (...args: A) => Promise<unknown>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (e) {
      if (e instanceof Error && e.name === 'AbortError') {
        output.info(`${name}: cancelled`);
        return;
      }
      output.error(`${name}: ${describeError(e)}`);
      const choice = await vscode.window.showErrorMessage(`Lathe: ${describeError(e)}`, 'Show Output');
      if (choice) output.show(true);
    }
  };
}

/** Commands that start processes need a trusted workspace; say how to grant it. */
export async function requireTrust(action: string): Promise<boolean> {
  if (vscode.workspace.isTrusted) return true;
  const choice = await vscode.window.showWarningMessage(
    `Lathe: ${action} starts processes, which Restricted Mode does not allow. Trust this workspace to continue.`,
    'Manage Workspace Trust',
  );
  if (choice) await vscode.commands.executeCommand('workbench.trust.manage');
  return false;
}

/** A read-only Markdown report, opened in the preview (diffs, comparisons, lineage, details). */
export class ReportProvider implements vscode.TextDocumentContentProvider, vscode.Disposable {
  static readonly scheme = 'lathe-report';
  private readonly reports = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.reports.get(uri.path) ?? '';
  }

  async show(title: string, markdown: string): Promise<void> {
    const uri = vscode.Uri.from({ scheme: ReportProvider.scheme, path: `/${title.replace(/[\\/]/g, '-')}.md` });
    this.reports.set(uri.path, markdown);
    this.changed.fire(uri);
    await vscode.commands.executeCommand('markdown.showPreview', uri);
  }

  dispose(): void {
    this.changed.dispose();
  }
}
