import type { DatasetDiff } from '../../core/data';
import { formatBytes } from '../../core/format';

function signed(n: number, format: (n: number) => string = String): string {
  return n > 0 ? `+${format(n)}` : n < 0 ? `−${format(-n)}` : '±0';
}

function code(s: string): string {
  return '`' + s.replace(/`/g, "'") + '`';
}

/** A dataset diff as a Markdown report: files first, then what changed inside tables. */
export function renderDatasetDiff(diff: DatasetDiff): string {
  const a = `${diff.a.name}@v${diff.a.version}`;
  const b = `${diff.b.name}@v${diff.b.version}`;
  const lines = [`# ${a} → ${b}`, ''];
  lines.push(
    `${diff.added.length} added, ${diff.removed.length} removed, ${diff.changed.length} changed, ${diff.unchangedCount} unchanged · size ${signed(diff.sizeDelta, formatBytes)}`,
    '',
  );
  if (diff.added.length + diff.removed.length + diff.changed.length > 0) {
    lines.push('| | File | Size |', '|---|---|---|');
    for (const f of diff.added) lines.push(`| added | ${code(f.path)} | ${formatBytes(f.size)} |`);
    for (const f of diff.removed) lines.push(`| removed | ${code(f.path)} | ${formatBytes(f.size)} |`);
    for (const f of diff.changed) lines.push(`| changed | ${code(f.path)} | ${formatBytes(f.before.size)} → ${formatBytes(f.after.size)} |`);
    lines.push('');
  }
  for (const t of diff.tables) {
    lines.push(`## Table ${code(t.path)}`, '');
    lines.push(`Rows: ${t.rows.before.toLocaleString('en-US')} → ${t.rows.after.toLocaleString('en-US')} (${signed(t.rows.after - t.rows.before)})`, '');
    if (t.columnsAdded.length + t.columnsRemoved.length + t.columnsRetyped.length > 0) {
      lines.push('| Column | Change |', '|---|---|');
      for (const c of t.columnsAdded) lines.push(`| ${code(c.name)} | added (${c.type}) |`);
      for (const c of t.columnsRemoved) lines.push(`| ${code(c.name)} | removed (was ${c.type}) |`);
      for (const c of t.columnsRetyped) lines.push(`| ${code(c.name)} | ${c.before} → ${c.after} |`);
      lines.push('');
    }
  }
  if (diff.added.length + diff.removed.length + diff.changed.length === 0) lines.push('The two versions hold the same bytes.', '');
  return lines.join('\n');
}
