import { driftSummary, type DriftResult } from './job';

const number = (v: number | null) => (v === null ? '-' : Math.abs(v) >= 1e-3 || v === 0 ? v.toPrecision(4) : v.toExponential(2));

/** The summary line, then one row per column: test, statistic, p-value, verdict. */
export function formatDriftResult(r: DriftResult): string {
  const rows = [['column', 'test', 'statistic', 'p-value', ''], ...r.columns.map((c) => [c.name, c.test, number(c.statistic), number(c.pValue), c.skipped ?? (c.drifted ? 'DRIFT' : '')])];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((x) => x[i].length)));
  const lines = [driftSummary(r), '', ...rows.map((x) => x.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd())];
  if (r.output) lines.push('', `wrote ${r.output}`);
  return lines.join('\n');
}
