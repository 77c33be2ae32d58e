import * as vscode from 'vscode';
import { splitCommandLine } from '../../core/execute/argv';
import {
  cancelRun,
  compareRuns,
  deleteRun,
  parseParamAssignments,
  readMetrics,
  readRun,
  runLogPaths,
  startRun,
  type ParamValue,
  type RunHandle,
  type RunRecord,
} from '../../core/runs';
import { Commands } from '../../shared/ids';
import { renderRunComparison, renderRunDetails } from '../reports/runs';
import { ExperimentsPanel } from '../panels/experimentsPanel';
import type { Services } from '../services';
import type { RunNode } from '../trees/runsTree';
import { requireTrust } from '../util/ui';
import { pickRuns } from './pickers';

/** Runs started from this window, so they can be cancelled and counted in the status bar. */
export class ActiveRuns implements vscode.Disposable {
  private readonly handles = new Map<string, RunHandle>();
  private readonly changed = new vscode.EventEmitter<number>();
  readonly onDidChange = this.changed.event;

  add(handle: RunHandle): void {
    this.handles.set(handle.id, handle);
    this.changed.fire(this.handles.size);
    void handle.done.finally(() => {
      this.handles.delete(handle.id);
      this.changed.fire(this.handles.size);
    });
  }

  get(id: string): RunHandle | undefined {
    return this.handles.get(id);
  }

  get size(): number {
    return this.handles.size;
  }

  dispose(): void {
    for (const h of this.handles.values()) void h.cancel();
    this.changed.dispose();
  }
}

/** `lr=0.01 opt=adam` parsed as `lathe run --param` does; a string is the problem. */
function parseParams(text: string): Record<string, ParamValue> | string {
  try {
    return parseParamAssignments(splitCommandLine(text));
  } catch (e) {
    return (e as Error).message;
  }
}

function selectedRuns(node: RunNode | undefined, selection: RunNode[] | undefined): RunRecord[] {
  const nodes = selection && selection.length > 0 ? selection : node ? [node] : [];
  return nodes.flatMap((n) => (n.kind === 'run' ? [n.run] : n.runs));
}

export function registerRunCommands(s: Services, active: ActiveRuns, extensionUri: vscode.Uri): vscode.Disposable[] {
  const start = s.command('Run Command as Experiment', async () => {
    if (!(await requireTrust('Running a command as an experiment'))) return;
    const commandLine = await vscode.window.showInputBox({
      title: 'Command to run as a tracked experiment',
      placeHolder: 'python3 train.py --epochs 5',
      validateInput: (v) => {
        try {
          return splitCommandLine(v).length ? undefined : 'Enter a command.';
        } catch (e) {
          return (e as Error).message;
        }
      },
    });
    if (!commandLine) return;
    const paramText = await vscode.window.showInputBox({
      title: 'Parameters (optional)',
      placeHolder: 'lr=0.01 epochs=5 — passed as LATHE_PARAMS and LATHE_PARAM_<NAME>',
      validateInput: (v) => {
        const p = parseParams(v);
        return typeof p === 'string' ? p : undefined;
      },
    });
    if (paramText === undefined) return;
    const params = parseParams(paramText) as Record<string, ParamValue>;
    const layout = await s.ws.writable();
    const controller = new AbortController();
    const handle = await startRun(layout, { command: splitCommandLine(commandLine), params }, {
      signal: controller.signal,
      log: (line) => s.output.info(`[${handle.record.name}] ${line}`),
    });
    active.add(handle);
    s.output.info(`run ${handle.record.name} (${handle.id}) started: ${commandLine}`);
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Lathe: ${handle.record.name}`, cancellable: true },
      async (_progress, token) => {
        token.onCancellationRequested(() => controller.abort());
        const record = await handle.done;
        s.output.info(`run ${record.name} ${record.status}${record.exitCode !== null && record.exitCode !== undefined ? ` (exit ${record.exitCode})` : ''}`);
        if (record.status === 'failed') {
          const choice = await vscode.window.showErrorMessage(`Lathe: run ${record.name} failed. ${record.error ?? ''}`, 'Open Logs');
          if (choice) await vscode.commands.executeCommand(Commands.openRunLogs, { kind: 'run', run: record });
        }
      },
    );
  });

  const cancel = s.command('Cancel Run', async (node?: RunNode) => {
    const run = node?.kind === 'run' ? node.run : (await pickRuns(s.ws.layout, 'Run to cancel', false))[0];
    if (!run) return;
    const handle = active.get(run.id);
    if (handle) await handle.cancel();
    else await cancelRun(s.ws.layout, run.id);
    s.ws.fire('runs');
  });

  const openLogs = s.command('Open Run Logs', async (node?: RunNode) => {
    const run = node?.kind === 'run' ? node.run : (await pickRuns(s.ws.layout, 'Run whose logs to open', false))[0];
    if (!run) return;
    const logs = runLogPaths(s.ws.layout, run.id);
    await vscode.window.showTextDocument(vscode.Uri.file(logs.stdout), { preview: false });
    await vscode.window.showTextDocument(vscode.Uri.file(logs.stderr), { preview: false, viewColumn: vscode.ViewColumn.Beside });
  });

  // a tree selection of one run still charts it (its curves alone are worth seeing); the palette asks
  const compare = s.command('Compare Runs', async (node?: RunNode, selection?: RunNode[]) => {
    let runs = selectedRuns(node, selection);
    if (runs.length === 0) runs = await pickRuns(s.ws.layout, 'Runs to chart and compare', true);
    if (runs.length === 0) return;
    ExperimentsPanel.show(s, extensionUri, runs.map((r) => r.id));
  });

  const compareReport = s.command('Compare Runs as Report', async (node?: RunNode, selection?: RunNode[]) => {
    let runs = selectedRuns(node, selection);
    if (runs.length < 2) runs = await pickRuns(s.ws.layout, 'Pick two or more runs to compare', true);
    if (runs.length < 2) {
      if (runs.length === 1) vscode.window.showInformationMessage('Lathe: pick at least two runs to compare.');
      return;
    }
    const comparison = await compareRuns(s.ws.layout, runs.map((r) => r.id));
    await s.reports.show(`Compare ${runs.map((r) => r.name).join(', ')}`, renderRunComparison(comparison));
  });

  const remove = s.command('Delete Run', async (node?: RunNode, selection?: RunNode[]) => {
    let runs = selectedRuns(node, selection);
    if (runs.length === 0) runs = await pickRuns(s.ws.layout, 'Runs to delete', true);
    if (runs.length === 0) return;
    const running = runs.filter((r) => r.status === 'running');
    const choice = await vscode.window.showWarningMessage(
      `Delete ${runs.length} run(s) (${runs.map((r) => r.name).join(', ')}) with their metrics and logs?${running.length ? ' Running ones are cancelled first.' : ''}`,
      { modal: true },
      'Delete',
    );
    if (choice !== 'Delete') return;
    for (const run of runs) {
      await active.get(run.id)?.cancel();
      await deleteRun(s.ws.layout, run.id, { force: true });
    }
    s.ws.fire('runs');
  });

  const show = s.command('Show Run', async (node?: RunNode) => {
    const run = node?.kind === 'run' ? node.run : (await pickRuns(s.ws.layout, 'Run to show', false))[0];
    if (!run) return;
    const record = await readRun(s.ws.layout, run.id);
    await s.reports.show(`Run ${record.name}`, renderRunDetails(record, await readMetrics(s.ws.layout, run.id)));
  });

  return [
    vscode.commands.registerCommand(Commands.runExperiment, start),
    vscode.commands.registerCommand(Commands.cancelRun, cancel),
    vscode.commands.registerCommand(Commands.openRunLogs, openLogs),
    vscode.commands.registerCommand(Commands.compareRuns, compare),
    vscode.commands.registerCommand(Commands.compareRunsReport, compareReport),
    vscode.commands.registerCommand(Commands.deleteRun, remove),
    vscode.commands.registerCommand(Commands.showRunDetails, show),
  ];
}
