import type { DistillResult, ModelScore } from './job';

const pct = (v: number | undefined) => (v === undefined ? '-' : `${(100 * v).toFixed(1)}%`);

/** The teacher, the distilled student and the student alone side by side, one row per model. */
export function formatDistillResult(r: DistillResult): string {
  const row = (label: string, s: ModelScore, epochs?: number) => [label, pct(s.accuracy), pct(s.agreement), String(s.sizeBytes), String(s.parameters), s.latencyMs.toFixed(3), epochs === undefined ? '' : String(epochs)];
  const rows = [
    ['', 'accuracy', 'agrees', 'bytes', 'params', 'p50 ms', 'epochs'],
    row('teacher', r.teacherScore),
    row('student + teacher', r.studentScore, r.studentScore.epochs),
    ...(r.baselineScore ? [row('student alone', r.baselineScore, r.baselineScore.epochs)] : []),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((x) => x[i].length)));
  const lines = [
    `distilled ${r.teacher} into ${r.student} on ${r.dataset}: ${r.rows.train} rows to train, ${r.rows.test} held out to test`,
    `T=${r.settings.temperature}, alpha=${r.settings.alpha}; teacher logits ${r.teacherCache.reused ? 'reused from the cache' : 'computed and cached'}`,
    '',
    ...rows.map((x) => x.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')),
    '',
    `size ${(r.teacherScore.sizeBytes / r.studentScore.sizeBytes).toFixed(1)}× smaller than the teacher`,
  ];
  if (r.version) lines.push(r.version.created ? `registered ${r.version.name}@v${r.version.version}` : `${r.version.name}@v${r.version.version} already holds these bytes: no new version`);
  if (r.output) lines.push(`wrote ${r.output}`);
  return lines.join('\n');
}
