import { metricStats, type MetricsData, type RunComparison, type RunRecord } from '../../core/runs';
import { formatDuration, formatNumber } from '../../core/format';

/** Text safe inside a markdown table cell. */
function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** A code span for a table cell: GFM splits cells at `|` even inside code, so it is escaped there too. */
function code(text: string): string {
  return `\`${text.replace(/`/g, "'").replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')}\``;
}

function table(header: string[], rows: string[][]): string[] {
  return [`| ${header.map(cell).join(' | ')} |`, `|${header.map(() => ' --- ').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

const paramText = (v: unknown) => (v === undefined ? '—' : cell(typeof v === 'string' ? v : JSON.stringify(v)));

/** A run's record and metrics as a markdown report. */
export function renderRunDetails(record: RunRecord, metrics: MetricsData): string {
  const lines = [`# Run ${record.name}`, ''];
  const exit = record.exitCode !== null ? `, exit code ${record.exitCode}` : record.signal ? `, killed by ${record.signal}` : '';
  lines.push(`**${record.status}**${exit}${record.durationMs !== undefined ? ` in ${formatDuration(record.durationMs)}` : ''}`, '');
  if (record.error) lines.push(`> ${record.error}`, '');
  lines.push(
    ...table(
      ['Field', 'Value'],
      [
        ['Id', code(record.id)],
        ['Command', code(record.command.join(' '))],
        ['Working directory', code(record.cwd)],
        ['Started', record.startedAt ?? record.createdAt],
        ['Ended', record.endedAt ?? '—'],
        ['Tags', record.tags.length ? cell(record.tags.join(', ')) : '—'],
        [
          'Git',
          record.git
            ? `${record.git.commit ? code(record.git.commit.slice(0, 12)) : 'no commit'}${record.git.branch ? ` on ${cell(record.git.branch)}` : ''}${record.git.dirty ? ` (uncommitted changes${record.git.patchFile ? ` saved in ${code(record.git.patchFile)}` : ''})` : ''}`
            : 'not a git repository',
        ],
      ],
    ),
    '',
  );
  const params = Object.entries(record.params);
  lines.push('## Parameters', '');
  lines.push(...(params.length ? table(['Name', 'Value'], params.map(([k, v]) => [code(k), paramText(v)])) : ['None.']), '');
  lines.push('## Metrics', '');
  const series = Object.entries(metrics.series);
  lines.push(
    ...(series.length
      ? table(
          ['Metric', 'Last', 'Min', 'Max', 'Steps'],
          series.map(([name, points]) => {
            const s = metricStats(points);
            return [code(name), ...(s ? [s.last, s.min, s.max].map(formatNumber) : ['—', '—', '—']), String(points.length)];
          }),
        )
      : ['None reported.']),
    '',
  );
  if (record.warnings?.length) lines.push('## Warnings', '', ...record.warnings.map((w) => `- ${w}`), '');
  return lines.join('\n');
}

/** Runs side by side: parameters (differences in bold) and metrics (the best run's value in bold). */
export function renderRunComparison(comparison: RunComparison): string {
  const { runs } = comparison;
  const header = ['', ...runs.map((r) => `${r.name} (${r.id.slice(-6)})`)];
  const lines = [`# Compare ${runs.length} runs`, ''];
  lines.push(...table(header, [['Status', ...runs.map((r) => r.status)]]), '');
  lines.push('## Parameters', '');
  lines.push(
    ...(comparison.params.length
      ? table(
          header,
          comparison.params.map((row) => [
            row.differs ? `**${code(row.name)}**` : code(row.name),
            ...row.values.map((v) => (row.differs ? `**${paramText(v)}**` : paramText(v))),
          ]),
        )
      : ['None.']),
    '',
  );
  lines.push('## Metrics (last value; best of the series in brackets)', '');
  lines.push(
    ...(comparison.metrics.length
      ? table(
          header,
          comparison.metrics.map((row) => [
            `${code(row.name)} (${row.goal === 'minimize' ? 'lower' : 'higher'} is better)`,
            ...row.values.map((v, i) => {
              if (!v) return '—';
              const text = `${formatNumber(v.last)} [${formatNumber(v.best)}]`;
              return i === row.bestRun ? `**${text}**` : text;
            }),
          ]),
        )
      : ['None reported.']),
    '',
  );
  return lines.join('\n');
}
