import * as path from 'node:path';
import * as vscode from 'vscode';
import { listDatasets } from '../../core/data';
import { formatLoraMergeResult, LORA_DEFAULTS, mergeLoraAdapter } from '../../core/lora';
import { resolveModelRef, versionRef } from '../../core/registry';
import { startRun, type ParamValue } from '../../core/runs';
import type { LatheInvocation } from '../../core/stages';
import { Commands } from '../../shared/ids';
import type { Services } from '../services';
import type { ModelNode } from '../trees/modelsTree';
import { requireTrust } from '../util/ui';
import type { ActiveRuns } from './runCommands';
import { pickModelVersion } from './pickers';

const TARGETS = [
  { label: 'all-linear', detail: 'every MatMul/Gemm with a constant weight' },
  { label: 'attention-qv', detail: 'query and value projections (q_proj, v_proj, query, value, Wq, Wv ...)' },
  { label: 'Weight name pattern…', detail: 'a regular expression over weight initializer names' },
];

/** The version a tree node or a palette pick names, as `name@vK`, with whether it is an adapter. */
async function versionOf(s: Services, node: ModelNode | undefined, placeHolder: string): Promise<{ ref: string; adapter: boolean } | undefined> {
  const ref = node ? (node.kind === 'model' ? node.summary.name : versionRef(node.version.name, node.version.version)) : await pickModelVersion(s.ws.layout, placeHolder);
  if (!ref) return undefined;
  const version = await resolveModelRef(s.ws.layout, ref);
  return { ref: versionRef(version.name, version.version), adapter: version.kind === 'adapter' };
}

async function pickTargets(ref: string): Promise<string | undefined> {
  const picked = await vscode.window.showQuickPick(TARGETS, { title: `Fine-tune ${ref} with LoRA: weights to adapt`, placeHolder: 'Target layers' });
  if (!picked || picked.label !== TARGETS[2].label) return picked?.label;
  return vscode.window.showInputBox({
    title: 'LoRA targets',
    prompt: 'A regular expression matched against weight initializer names',
    validateInput: (v) => {
      try {
        new RegExp(v);
        return v ? undefined : 'enter a pattern';
      } catch (e) {
        return (e as Error).message;
      }
    },
  });
}

/**
 * "Fine-tune with LoRA": base version, dataset, targets and rank by quick picks, then `lathe lora train` as a
 * tracked run (live curves in the Runs tree and the experiments panel, logs, cancellable progress).
 */
export function registerLoraCommands(s: Services, active: ActiveRuns, lathe: LatheInvocation): vscode.Disposable[] {
  const train = s.command('Fine-tune with LoRA', async (node?: ModelNode) => {
    if (!(await requireTrust('Fine-tune with LoRA'))) return;
    const base = await versionOf(s, node, 'Base model version to fine-tune');
    if (!base) return;
    if (base.adapter) throw new Error(`${base.ref} is a LoRA adapter: fine-tune its base model instead`);
    const layout = await s.ws.writable();
    const datasets = await listDatasets(layout);
    if (datasets.length === 0) throw new Error('no datasets are tracked yet: run "Lathe: Track Dataset" with labelled rows first');
    const dataset = await vscode.window.showQuickPick(
      datasets.map((d) => ({ label: `${d.name}@v${d.latest.version}`, description: d.path, ref: `dataset:${d.name}@v${d.latest.version}` })),
      { title: `Fine-tune ${base.ref} with LoRA: training data`, placeHolder: 'Dataset version of labelled rows' },
    );
    if (!dataset) return;
    const targets = await pickTargets(base.ref);
    if (!targets) return;
    const rank = await vscode.window.showQuickPick(
      [4, 8, 16, 32].map((r) => ({ label: String(r), description: r === LORA_DEFAULTS.rank ? 'default' : undefined })),
      { title: `Fine-tune ${base.ref} with LoRA: rank`, placeHolder: `Adapter rank (alpha = 2 × rank)` },
    );
    if (!rank) return;
    const params: Record<string, ParamValue> = { base: base.ref, dataset: dataset.ref, targets, rank: Number(rank.label), alpha: 2 * Number(rank.label) };
    const argv = ['lora', 'train', base.ref, '--dataset', dataset.ref, '--targets', targets, '--rank', rank.label, '--alpha', String(2 * Number(rank.label)), '--metrics'];
    const controller = new AbortController();
    let report: ((message: string) => void) | undefined;
    const handle = await startRun(
      layout,
      { command: [...lathe.command, ...argv], name: `lora ${base.ref}`, params, tags: ['lora'], env: lathe.env },
      {
        signal: controller.signal,
        log: (line) => {
          s.output.info(`[lora] ${line}`);
          if (!line.startsWith('::')) report?.(line);
        },
      },
    );
    active.add(handle);
    s.ws.fire('runs');
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Lathe: LoRA fine-tuning ${base.ref}`, cancellable: true },
      async (progress, token) => {
        token.onCancellationRequested(() => controller.abort());
        report = (message) => progress.report({ message });
        const record = await handle.done;
        s.ws.fire('runs');
        s.ws.fire('models');
        if (record.status === 'completed') {
          const accuracy = record.summary.accuracy;
          vscode.window.showInformationMessage(
            `Lathe: LoRA adapter of ${base.ref} registered${accuracy !== undefined ? ` (held-out accuracy ${(100 * accuracy).toFixed(1)}%, base ${(100 * (record.summary.accuracy_base ?? 0)).toFixed(1)}%)` : ''}.`,
          );
        } else if (record.status === 'failed') {
          const choice = await vscode.window.showErrorMessage(`Lathe: LoRA fine-tuning failed. ${record.error ?? ''}`, 'Open Logs');
          if (choice) await vscode.commands.executeCommand(Commands.openRunLogs, { kind: 'run', run: record });
        }
      },
    );
  });

  const merge = s.command('Merge LoRA Adapter', async (node?: ModelNode) => {
    if (!(await requireTrust('Merge LoRA Adapter'))) return;
    const adapter = await versionOf(s, node, 'LoRA adapter version to merge');
    if (!adapter) return;
    if (!adapter.adapter) throw new Error(`${adapter.ref} is a model, not a LoRA adapter: pick a version made by "Fine-tune with LoRA"`);
    const layout = await s.ws.writable();
    const target = await vscode.window.showSaveDialog({
      title: `Merge ${adapter.ref} into its base`,
      defaultUri: vscode.Uri.file(path.join(layout.root, `${adapter.ref.replace('@', '-')}-merged.onnx`)),
      filters: { 'ONNX model': ['onnx'] },
    });
    if (!target) return;
    const result = await s.progress(`Lathe: merging ${adapter.ref}`, (opts) => mergeLoraAdapter(layout, { adapter: adapter.ref, output: target.fsPath, register: true }, opts));
    for (const line of formatLoraMergeResult(result).split('\n')) s.output.info(line);
    s.ws.fire('models');
    vscode.window.showInformationMessage(`Lathe: ${formatLoraMergeResult(result).split('\n').pop()}`);
  });
  return [vscode.commands.registerCommand(Commands.loraTrain, train), vscode.commands.registerCommand(Commands.loraMerge, merge)];
}
