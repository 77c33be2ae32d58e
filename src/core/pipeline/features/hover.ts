import { MarkupKind, type Hover } from 'vscode-languageserver-types';
import { isScalar } from 'yaml';
import type { Dag } from '../dag';
import { referenceText } from '../expressions';
import type { LocatedExpression, PipelineModel } from '../model';
import { nodeSpan } from '../parse';
import { parseStoreRef, versionNumber } from '../refs';
import type { StoreSnapshot } from '../store';
import { contains, type Span } from '../text';
import { describeSchema, nodeAt, preview, schemaAt } from './locate';

const block = (value: unknown) => `\`\`\`json\n${JSON.stringify(value, null, 2)}\n\`\`\``;

/** What an expression evaluates to, as markdown; undefined when it names nothing. */
function resolveExpression(model: PipelineModel, e: LocatedExpression): string | undefined {
  const [root, name, field, index] = e.segments;
  if (!name || typeof name.value !== 'string') return undefined;
  const title = `\`${referenceText(e.segments)}\``;
  if (root.value === 'params') {
    const param = model.params.get(name.value);
    if (!param) return undefined;
    let value: unknown = param.value;
    for (const seg of e.segments.slice(2)) value = value !== null && typeof value === 'object' ? (value as Record<string | number, unknown>)[seg.value] : undefined;
    if (value === undefined) return undefined;
    return `${title} = ${typeof value === 'object' && value !== null ? `\n\n${block(value)}` : `\`${JSON.stringify(value)}\``}\n\nDefined in ${param.uri === model.file.uri ? 'this file' : `\`${param.uri}\``}.`;
  }
  if (root.value === 'stages') {
    const stage = model.stages.get(name.value);
    const list = field?.value === 'outs' ? stage?.outs : field?.value === 'metrics' ? stage?.metrics : undefined;
    const out = list?.[typeof index?.value === 'number' ? index.value : 0];
    return out && `${title} = \`${out.value}\`\n\nWritten by stage \`${name.value}\`; using it makes this stage depend on it.`;
  }
  const def = (root.value === 'datasets' ? model.datasets : model.models).get(name.value);
  return def?.path && `${title} = \`${def.path.value}\``;
}

/** A summary of a store entry that a `dataset:` / `model:` reference names. */
export function storeSummary(text: string, store: StoreSnapshot | undefined): string | undefined {
  const ref = parseStoreRef(text);
  if (!ref || 'error' in ref || !store) return undefined;
  const entry = (ref.kind === 'dataset' ? store.datasets : store.models).find((e) => e.name === ref.name);
  if (!entry) return `${ref.kind} \`${ref.name}\` is not in the store.`;
  const aliases = 'aliases' in entry ? (entry as StoreSnapshot['models'][number]).aliases : {};
  const selector = ref.selector ?? 'latest';
  const latest = entry.versions[entry.versions.length - 1];
  const resolved = selector === 'latest' ? latest : (versionNumber(selector) ?? aliases[selector]);
  const lines = [
    `**${ref.kind} \`${ref.name}\`**${resolved !== undefined && entry.versions.includes(resolved) ? ` — \`${selector}\` is v${resolved}` : ` — no version \`${selector}\``}`,
    `Versions: ${entry.versions.map((v) => `v${v}`).join(', ') || 'none'}${latest !== undefined ? ` (latest v${latest})` : ''}`,
  ];
  if (Object.keys(aliases).length) lines.push(`Aliases: ${Object.entries(aliases).map(([a, v]) => `\`${a}\` → v${v}`).join(', ')}`);
  return lines.join('\n\n');
}

function stageSummary(model: PipelineModel, dag: Dag, name: string): string | undefined {
  const stage = model.stages.get(name);
  if (!stage) return undefined;
  const needs = [...new Set(dag.edges.filter((e) => e.to === name).map((e) => e.from))];
  const dependents = [...new Set(dag.edges.filter((e) => e.from === name).map((e) => e.to))];
  return [
    `**stage \`${name}\`**${stage.description ? ` — ${stage.description}` : ''}`,
    stage.cmd ? `\`${stage.cmd.value}\`` : stage.uses ? `built-in \`${stage.uses.value}\`` : undefined,
    needs.length ? `Runs after: ${needs.map((s) => `\`${s}\``).join(', ')}` : undefined,
    dependents.length ? `Needed by: ${dependents.map((s) => `\`${s}\``).join(', ')}` : undefined,
    stage.outs.length ? `Outputs: ${stage.outs.map((o) => `\`${o.value}\``).join(', ')}` : undefined,
  ].filter(Boolean).join('\n\n');
}

/** Hover at an offset: an expression's value, a store reference's versions, a stage, a param, or a key's doc. */
export function hover(model: PipelineModel, dag: Dag, offset: number, store?: StoreSnapshot): Hover | undefined {
  const lines = model.file.lines;
  const make = (value: string | undefined, span: Span): Hover | undefined => (value ? { contents: { kind: MarkupKind.Markdown, value }, range: lines.range(span) } : undefined);
  const e = model.expressions.find((x) => contains(x.span, offset));
  if (e) return e.error ? undefined : make(resolveExpression(model, e), e.span);
  const hit = nodeAt(model, offset);
  if (!hit) return undefined;
  const span = nodeSpan(hit.node);
  const [section, name] = hit.path;
  const value = isScalar(hit.node) ? hit.node.value : undefined;
  if (hit.part === 'key' && hit.path.length === 2 && typeof name === 'string') {
    if (section === 'stages') return make(stageSummary(model, dag, name), span);
    if (section === 'params') return make(`**param \`${name}\`** = \`${preview(model.params.get(name)?.value)}\``, span);
  }
  if (hit.part === 'value' && typeof value === 'string') {
    const summary = storeSummary(value, store);
    if (summary) return make(summary, span);
    const schema = schemaAt(model, hit.path);
    const option = schema?.kind === 'union' ? schema.options.find((o) => o.kind === 'string') : schema;
    if (option?.kind !== 'string') return undefined;
    if (option.ref === 'stage') return make(stageSummary(model, dag, value), span);
    return make(option.enumDocs?.[value] && `\`${value}\`: ${option.enumDocs[value]}`, span);
  }
  if (hit.part !== 'key') return undefined;
  const schema = schemaAt(model, hit.path);
  return schema && make(`**${hit.path.join('.')}**\n\n${describeSchema(schema)}`, span);
}
