import type { QuantizeResult } from './job';

const fixed = (v: number, digits = 3) => (Number.isFinite(v) ? v.toFixed(digits) : String(v));

/** The evaluation as aligned lines: one row per figure, the original next to the result. */
export function formatQuantizeResult(r: QuantizeResult): string {
  const ev = r.evaluation;
  const rows: string[][] = [
    ['', 'original', 'quantized', 'ratio'],
    ['size (bytes)', String(ev.size.original), String(ev.size.candidate), `${fixed(ev.size.ratio)}×`],
    ['latency p50 (ms)', fixed(ev.latency.original.p50), fixed(ev.latency.candidate.p50), `${fixed(ev.latency.ratio)}×`],
    ['latency p95 (ms)', fixed(ev.latency.original.p95), fixed(ev.latency.candidate.p95), `${fixed(ev.latency.candidate.p95 / ev.latency.original.p95)}×`],
  ];
  if (r.task) rows.push([r.task.name, fixed(r.task.original, 4), fixed(r.task.quantized, 4), '']);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const lines = [
    `${r.method} of ${r.source}, evaluated on ${ev.samples} ${ev.inputSource === 'given' ? 'real' : 'RANDOM'} input(s), ${ev.latency.runs} timed runs, ${ev.latency.threads} thread(s)`,
    '',
    ...rows.map((row) => row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')),
    '',
    ...ev.outputs.map(
      (o) => `output ${o.name}: ${o.top1Agreement === null ? '' : `top-1 agreement ${(100 * o.top1Agreement).toFixed(1)}%, `}cosine ${fixed(o.cosine, 5)}, max |error| ${o.maxAbsError.toPrecision(3)}, mean |error| ${o.meanAbsError.toPrecision(3)}`,
    ),
    ...r.notes.map((n) => `  ${n}`),
  ];
  if (r.warning) lines.push('', `WARNING: ${r.warning}`);
  if (r.keptOriginal) lines.push('', 'auto kept the original: no candidate was both not slower and in agreement; nothing was registered');
  if (r.version) lines.push('', r.version.created ? `registered ${r.version.name}@v${r.version.version}` : `${r.version.name}@v${r.version.version} already holds these bytes: no new version`);
  if (r.output) lines.push(`wrote ${r.output}`);
  return lines.join('\n');
}
