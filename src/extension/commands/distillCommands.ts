import * as vscode from 'vscode';
import { listDatasets } from '../../core/data';
import { listModels, modelVersions, type ModelVersion } from '../../core/registry';
import { startRun } from '../../core/runs';
import type { LatheInvocation } from '../../core/stages';
import { LatheError } from '../../core/workspace/errors';
import type { StoreLayout } from '../../core/workspace/layout';
import { Commands } from '../../shared/ids';
import { ExperimentsPanel } from '../panels/experimentsPanel';
import type { Services } from '../services';
import type { ModelNode } from '../trees/modelsTree';
import { requireTrust } from '../util/ui';
import type { ActiveRuns } from './runCommands';
import { pickModelVersion } from './pickers';

/** Student presets offered in the quick pick, as `lathe distill` arguments. */
const STUDENTS: { label: string; detail: string; args: string[] }[] = [
  { label: 'MLP 32', detail: 'one hidden layer of 32 units, relu', args: ['--hidden', '32'] },
  { label: 'MLP 16', detail: 'one hidden layer of 16 units, relu: the smallest', args: ['--hidden', '16'] },
  { label: 'MLP 64-32', detail: 'two hidden layers, relu', args: ['--hidden', '64,32'] },
  { label: 'MLP 32 (gelu)', detail: 'one hidden layer of 32 units, gelu', args: ['--hidden', '32', '--activation', 'gelu'] },
  { label: 'Small CNN', detail: 'two 3×3 convolutions and a linear layer, for image inputs [channels, height, width]', args: ['--student', 'cnn'] },
];

/** The training rows: the latest version of a tracked dataset, as `dataset:name@vK`; undefined when dismissed. */
async function pickDataset(layout: StoreLayout, teacher: string): Promise<string | undefined> {
  const datasets = await listDatasets(layout);
  if (datasets.length === 0) throw new LatheError('no-dataset', 'distillation trains on a dataset, and none is tracked yet', { hint: 'run "Lathe: Track Dataset" first' });
  const picked = await vscode.window.showQuickPick(
    datasets.map((d) => ({ label: `${d.name}@v${d.latest.version}`, description: d.path, ref: `dataset:${d.name}@v${d.latest.version}` })),
    { title: `Distill ${teacher}: training rows`, placeHolder: 'Dataset version (CSV/TSV/NPY/Parquet rows the teacher takes)' },
  );
  return picked?.ref;
}

/** The version the run registered (its lineage names the run). */
async function versionOfRun(layout: StoreLayout, runId: string): Promise<ModelVersion | undefined> {
  for (const model of await listModels(layout)) {
    const found = (await modelVersions(layout, model.name)).find((v) => v.lineage.run === runId);
    if (found) return found;
  }
  return undefined;
}

/**
 * "Lathe: Distill Model": teacher version, dataset version and student preset from quick picks; `lathe distill`
 * runs as a tracked run (logs in the output channel, live curves in the experiments panel, cancellable progress),
 * and the student appears in the Models tree.
 */
export function registerDistillCommands(s: Services, active: ActiveRuns, extensionUri: vscode.Uri, lathe: LatheInvocation): vscode.Disposable[] {
  const distill = s.command('Distill Model', async (node?: ModelNode) => {
    if (!(await requireTrust('Distill Model'))) return;
    const teacher = node?.kind === 'version' ? `${node.version.name}@v${node.version.version}` : await pickModelVersion(s.ws.layout, 'Teacher model version to distil');
    if (!teacher) return;
    const layout = await s.ws.writable();
    const dataset = await pickDataset(layout, teacher);
    if (!dataset) return;
    const student = await vscode.window.showQuickPick(STUDENTS, { title: `Distill ${teacher}: student`, placeHolder: 'Student architecture', matchOnDetail: true });
    if (!student) return;

    await s.progress(`Lathe: distilling ${teacher} into ${student.label}`, async (opts) => {
      let lastLine = '';
      const handle = await startRun(
        layout,
        { command: [...lathe.command, 'distill', teacher, '--dataset', dataset, ...student.args, '--metrics', '--json'], name: `distill ${teacher}`, params: { teacher, dataset, student: student.label }, tags: ['distill'], env: lathe.env },
        {
          signal: opts.signal,
          log: (line) => {
            s.output.info(`[distill] ${line}`);
            if (!line.startsWith('{') && !line.startsWith('::')) lastLine = line;
            if (/epoch \d+:/.test(line)) opts.onProgress?.({ message: line });
          },
        },
      );
      active.add(handle);
      ExperimentsPanel.show(s, extensionUri, [handle.id]);
      const record = await handle.done;
      s.ws.fire('models');
      if (record.status === 'cancelled') {
        vscode.window.showInformationMessage(`Lathe: distillation of ${teacher} was cancelled; nothing was registered.`);
        return;
      }
      const version = record.status === 'completed' ? await versionOfRun(layout, handle.id) : undefined;
      if (!version) throw new LatheError('run-failed', `distillation of ${teacher} ${record.status}: ${record.error ?? lastLine}`, { hint: 'see the run logs in the output channel' });
      const m = version.metrics;
      const pct = (v: number | undefined) => (v === undefined ? '-' : `${(100 * v).toFixed(1)}%`);
      vscode.window.showInformationMessage(
        `Lathe: registered ${version.name}@v${version.version}: accuracy ${pct(m.accuracy)} (teacher ${pct(m.teacher_accuracy)}, student alone ${pct(m.baseline_accuracy)}), ${(1 / m.size_ratio).toFixed(1)}× smaller.`,
      );
    });
  });
  return [vscode.commands.registerCommand(Commands.distillModel, distill)];
}
