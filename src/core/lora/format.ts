import type { LoraMergeResult, LoraTrainResult } from './job';

const percent = (v: number) => `${(100 * v).toFixed(1)}%`;

/** The human summary of `lathe lora train` (and the extension's output channel). */
export function formatLoraTrainResult(r: LoraTrainResult & { run?: string }): string {
  const metric = (v: number | undefined) => (v === undefined ? '-' : r.task.name === 'accuracy' ? percent(v) : v.toPrecision(4));
  const s = r.settings;
  const lines = [
    `LoRA of ${r.base} on ${r.dataset}: rank ${s.rank}, alpha ${s.alpha} (scale ${Number(s.scale).toPrecision(3)}), ${r.adapters.length} weight(s): ${r.adapters.map((a) => a.weight).join(', ')}`,
    `trainable parameters ${r.parameters.trainable.toLocaleString('en-US')} of ${r.parameters.total.toLocaleString('en-US')} (${percent(r.parameters.trainable / r.parameters.total)}); adapter file ${r.adapterBytes.toLocaleString('en-US')} bytes`,
    `${r.task.name} on ${r.rows.test} held-out row(s) (trained on ${r.rows.train}, ${r.history.length} epoch(s)):`,
    `  base             ${metric(r.task.base)}`,
    `  LoRA             ${metric(r.task.lora)}`,
    `  full fine-tune   ${metric(r.task.full)}`,
  ];
  if (r.run) lines.push(`run ${r.run}`);
  if (r.version) lines.push(`registered ${r.version.name}@v${r.version.version} (adapter of ${r.version.lineage.parent})`);
  if (r.output) lines.push(`adapter written to ${r.output}`);
  if (r.mergedOutput) lines.push(`merged model written to ${r.mergedOutput}`);
  return lines.join('\n');
}

export function formatLoraMergeResult(r: LoraMergeResult): string {
  const lines = [`merged ${r.adapter} into ${r.base} (${r.weights.length} weight(s)): ${r.output}`];
  if (r.version) lines.push(`registered ${r.version.name}@v${r.version.version}`);
  return lines.join('\n');
}
