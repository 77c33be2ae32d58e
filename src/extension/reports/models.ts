import type { LineageNode, ModelIo, ModelLineage, ModelVersion } from '../../core/registry';
import { formatBytes, formatNumber } from '../../core/format';

/** Markdown reports for the model registry (opened read-only by the report provider). */

const ref = (v: ModelVersion) => `${v.name}@v${v.version}`;
// user text goes inside markdown tables and inline code: keep it from breaking the layout
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;
const shapeText = (io: ModelIo) => (io.shape ? `[${io.shape.map((d) => d ?? '?').join(', ')}]` : 'unknown');

function ioTable(title: string, values: ModelIo[]): string[] {
  if (values.length === 0) return [];
  return [
    `### ${title}`,
    '',
    '| Name | Type | Shape |',
    '| --- | --- | --- |',
    ...values.map((io) => `| ${code(io.name)} | ${io.type}${io.kind ? ` (${io.kind})` : ''} | ${cell(shapeText(io))} |`),
    '',
  ];
}

/** One version: file, ONNX summary, signature, metrics, lineage. `aliases` are those pointing at it. */
export function renderModelVersion(version: ModelVersion, aliases: string[] = []): string {
  const o = version.onnx;
  const l = version.lineage;
  const opsets = Object.entries(o.opsets)
    .map(([domain, v]) => `${domain} ${v}`)
    .join(', ');
  const ops = Object.entries(o.ops)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([op, n]) => `${op} ×${n}`)
    .join(', ');
  const metrics = Object.entries(version.metrics);
  const lineage = [
    l.parent ? `- Parent: ${code(l.parent)}${l.technique ? ` via **${cell(l.technique)}**` : ''}` : l.technique ? `- Technique: **${cell(l.technique)}**` : '',
    l.settings ? `- Settings: ${Object.entries(l.settings).map(([k, v]) => code(`${k}=${JSON.stringify(v)}`)).join(', ')}` : '',
    l.run ? `- Run: ${code(l.run)}` : '',
    l.datasets?.length ? `- Datasets: ${l.datasets.map(code).join(', ')}` : '',
  ].filter(Boolean);
  return [
    `# ${ref(version)}${aliases.length ? ` — ${aliases.join(', ')}` : ''}`,
    '',
    version.message ? `> ${cell(version.message)}\n` : '',
    '| | |',
    '| --- | --- |',
    `| Registered | ${version.createdAt} |`,
    `| File | ${code(version.file.originalName)}, ${formatBytes(version.file.size)} |`,
    `| SHA-256 | ${code(version.file.sha256)} |`,
    `| Parameters | ${o.parameterCount.toLocaleString('en-US')} |`,
    `| Nodes | ${o.nodeCount.toLocaleString('en-US')} |`,
    `| Opsets | ${opsets} |`,
    `| IR version | ${o.irVersion} |`,
    `| Producer | ${cell([o.producer.name, o.producer.version].filter(Boolean).join(' ') || '(not recorded)')} |`,
    '',
    ...ioTable('Inputs', o.inputs),
    ...ioTable('Outputs', o.outputs),
    ...(metrics.length ? ['### Metrics', '', '| Metric | Value |', '| --- | --- |', ...metrics.map(([k, v]) => `| ${cell(k)} | ${formatNumber(v)} |`), ''] : []),
    ...(lineage.length ? ['### Lineage', '', ...lineage, ''] : []),
    ops ? `### Operators\n\n${ops}\n` : '',
  ]
    // optional sections leave empty strings: collapse runs of blank lines
    .filter((line, i, all) => line !== '' || all[i - 1] !== '')
    .join('\n');
}

function describe(v: ModelVersion, lineage: ModelLineage): string {
  const l = v.lineage;
  const run = l.run ? lineage.runs[l.run] : undefined;
  const parts = [
    l.technique ? `via **${cell(l.technique)}**` : '',
    run ? `run ${code(run.id)}${run.exists ? ` (${cell(run.name ?? '')}, ${run.status})` : ' (deleted)'}` : '',
    l.datasets?.length ? `data ${l.datasets.map(code).join(', ')}` : '',
    `${v.onnx.parameterCount.toLocaleString('en-US')} params`,
    ...Object.entries(v.metrics)
      .slice(0, 3)
      .map(([k, m]) => `${cell(k)}=${formatNumber(m)}`),
  ].filter(Boolean);
  return `${code(ref(v))} — ${parts.join(' · ')}`;
}

/** The parent chain down to the version, then everything derived from it, as nested lists. */
export function renderModelLineage(lineage: ModelLineage): string {
  const lines = [`# Lineage of ${ref(lineage.subject)}`, ''];
  const chain = [...lineage.ancestors].reverse();
  let depth = 0;
  if (lineage.missingAncestor) {
    lines.push(`- ${code(lineage.missingAncestor)} — *missing (its record was deleted)*`);
    depth++;
  }
  for (const v of chain) lines.push(`${'  '.repeat(depth++)}- ${describe(v, lineage)}`);
  lines.push(`${'  '.repeat(depth)}- **${describe(lineage.subject, lineage)}** ◀`);
  const walk = (nodes: LineageNode[], d: number): void => {
    for (const n of nodes) {
      lines.push(`${'  '.repeat(d)}- ${describe(n.version, lineage)}`);
      walk(n.children, d + 1);
    }
  };
  walk(lineage.descendants, depth + 1);
  if (chain.length === 0 && !lineage.missingAncestor && lineage.descendants.length === 0) {
    lines.push('', '*No parent and no derived versions are recorded.*');
  }
  return lines.join('\n') + '\n';
}
