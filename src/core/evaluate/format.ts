import { formatBytes, formatNumber } from '../format';
import type { EvaluateResult } from './job';

/** The metrics one per line, then latency, size and where the report went. */
export function formatEvaluation(r: EvaluateResult): string {
  const width = Math.max(7, ...Object.keys(r.metrics).map((k) => k.length));
  const lines = [
    `evaluated ${r.model} on ${r.rows} row(s) of ${r.dataset} (label ${r.labelColumn}; output ${r.outputName}, ${r.columns} column(s))`,
    '',
    ...Object.entries(r.metrics).map(([k, v]) => `${k.padEnd(width)}  ${formatNumber(v)}`),
    `${'latency'.padEnd(width)}  ${formatNumber(r.latency.p50MsPerRow)} ms per row (median of ${r.latency.batches} batch(es) of up to ${r.latency.batchSize})`,
    `${'size'.padEnd(width)}  ${formatBytes(r.sizeBytes)}`,
  ];
  if (r.reportFile) lines.push('', `wrote ${r.reportFile}`);
  return lines.join('\n');
}
