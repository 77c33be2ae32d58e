import * as vscode from 'vscode';
import { listDatasets } from '../../core/data';
import { formatQuantizeResult, QUANTIZE_METHODS, quantizeModelVersion, type QuantizeResult } from '../../core/quantize';
import { modelAliases } from '../../core/registry';
import type { StoreLayout } from '../../core/workspace/layout';
import { Commands } from '../../shared/ids';
import { renderModelVersion } from '../reports/models';
import type { Services } from '../services';
import type { ModelNode } from '../trees/modelsTree';
import { requireTrust } from '../util/ui';
import { pickModelVersion } from './pickers';

const RANDOM_INPUTS = 'No dataset: random inputs';

/**
 * The dataset whose rows calibrate and judge the result: `dataset:name@vK`, null for random inputs, undefined
 * when the pick was dismissed.
 */
async function pickCalibration(layout: StoreLayout): Promise<string | null | undefined> {
  const datasets = await listDatasets(layout);
  if (datasets.length === 0) return null;
  const picked = await vscode.window.showQuickPick(
    [
      ...datasets.map((d) => ({ label: `${d.name}@v${d.latest.version}`, description: d.path, ref: `dataset:${d.name}@v${d.latest.version}` as string | null })),
      { label: RANDOM_INPUTS, description: 'a quantized model can agree on random inputs and fail on real ones', ref: null },
    ],
    { title: 'Quantize Model: real inputs for calibration and evaluation', placeHolder: 'Dataset version of CSV/NPY rows' },
  );
  return picked ? picked.ref : undefined;
}

/** The new version's report, with what quantization did and how it was judged. */
async function report(s: Services, result: QuantizeResult): Promise<void> {
  const v = result.version;
  if (!v) return;
  const aliases = Object.entries(await modelAliases(s.ws.layout, v.name))
    .filter(([, n]) => n === v.version)
    .map(([a]) => a);
  const extra = [
    '### Quantization',
    '',
    ...(result.warning ? [`> **Warning:** ${result.warning}`, ''] : []),
    '```text',
    formatQuantizeResult({ ...result, warning: undefined }),
    '```',
    '',
  ];
  await s.reports.show(`${v.name}@v${v.version}`, `${renderModelVersion(v, aliases)}\n${extra.join('\n')}`);
}

export function registerQuantizeCommands(s: Services): vscode.Disposable[] {
  const quantize = s.command('Quantize Model', async (node?: ModelNode) => {
    if (!(await requireTrust('Quantize Model'))) return;
    const ref = node ? (node.kind === 'model' ? node.summary.name : `${node.version.name}@v${node.version.version}`) : await pickModelVersion(s.ws.layout, 'Model version to quantize');
    if (!ref) return;
    const method = await vscode.window.showQuickPick(
      QUANTIZE_METHODS.map((m) => ({ label: m.id, detail: m.summary, id: m.id })),
      { title: `Quantize ${ref}`, placeHolder: 'Method', matchOnDetail: true },
    );
    if (!method) return;
    const layout = await s.ws.writable();
    const calibration = await pickCalibration(layout);
    if (calibration === undefined) return;
    const result = await s.progress(`Lathe: quantizing ${ref} (${method.id})`, (opts) =>
      quantizeModelVersion(layout, { model: ref, method: method.id, calibration: calibration ?? undefined }, opts),
    );
    for (const line of formatQuantizeResult(result).split('\n')) s.output.info(line);
    s.ws.fire('models');
    if (result.keptOriginal) {
      vscode.window.showInformationMessage(`Lathe: auto found nothing better than ${ref}; no new version. Details in the output.`);
      return;
    }
    if (result.warning) s.output.warn(result.warning);
    await report(s, result);
  });
  return [vscode.commands.registerCommand(Commands.quantizeModel, quantize)];
}
