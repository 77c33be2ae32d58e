import { CompletionItemKind, MarkupKind, type CompletionItem, type CompletionItemKind as Kind } from 'vscode-languageserver-types';
import { isMap } from 'yaml';
import { paramsUsedBy, type PipelineModel } from '../model';
import { entries } from '../parse';
import type { StoreSnapshot } from '../store';
import type { LineIndex, Span } from '../text';
import { cursorAt, type Cursor } from './cursor';
import { describeSchema, preview, schemaAt } from './locate';
import type { SchemaNode } from '../schema';

const CONTEXT_DOCS: Record<string, string> = {
  params: 'A param of the pipeline: `params.NAME`.',
  stages: "Another stage's output path: `stages.NAME.outs[i]` or `stages.NAME.metrics[i]` (adds a dependency).",
  datasets: 'The path of a declared dataset: `datasets.NAME.path`.',
  models: 'The path of a declared model: `models.NAME.path`.',
};

const markdown = (value: string) => ({ kind: MarkupKind.Markdown, value });

function item(lines: LineIndex, word: Span, label: string, kind: Kind, extra: Partial<CompletionItem> = {}, insert = label): CompletionItem {
  return { label, kind, textEdit: { range: lines.range(word), newText: insert }, ...extra };
}

function expressionItems(model: PipelineModel, cursor: Extract<Cursor, { kind: 'expression' }>): CompletionItem[] {
  const lines = model.file.lines;
  const [root, name, ...rest] = cursor.segments;
  const at = (label: string, kind: Kind, extra: Partial<CompletionItem> = {}) => item(lines, cursor.word, label, kind, extra);
  if (root === undefined) return Object.keys(CONTEXT_DOCS).map((c) => at(c, CompletionItemKind.Module, { documentation: markdown(CONTEXT_DOCS[c]) }));
  if (rest.length) return [];
  const here = cursor.path[0] === 'stages' ? cursor.path[1] : undefined;
  switch (root) {
    case 'params':
      if (name !== undefined) return [];
      return [...model.params.values()].map((p) =>
        at(p.name, CompletionItemKind.Variable, { detail: preview(p.value), documentation: markdown(`Param \`${p.name}\` = \`${preview(p.value)}\`${p.uri !== model.file.uri ? ` (from ${p.uri})` : ''}`) }),
      );
    case 'stages': {
      if (name === undefined) return [...model.stages.values()].filter((s) => s.name !== here).map((s) => at(s.name, CompletionItemKind.Function, { detail: s.description ?? s.cmd?.value ?? s.uses?.value }));
      const stage = model.stages.get(name);
      if (!stage) return [];
      return (['outs', 'metrics'] as const).flatMap((field) => stage[field].map((o, i) => at(`${field}[${i}]`, CompletionItemKind.File, { detail: o.value })));
    }
    case 'datasets':
    case 'models': {
      const defs = root === 'datasets' ? model.datasets : model.models;
      if (name === undefined) return [...defs.values()].map((d) => at(d.name, CompletionItemKind.Reference, { detail: d.path?.value }));
      const def = defs.get(name);
      return def ? [at('path', CompletionItemKind.Field, { detail: def.path?.value })] : [];
    }
    default:
      return [];
  }
}

/** `dataset:NAME@...` / `model:NAME@...` choices from the store: latest, every version, and a model's aliases. */
function storeItems(lines: LineIndex, word: Span, kind: 'dataset' | 'model', store: StoreSnapshot | undefined): CompletionItem[] {
  if (!store) return [];
  const out: CompletionItem[] = [];
  const list = kind === 'dataset' ? store.datasets : store.models;
  list.forEach((entry, n) => {
    const aliases = 'aliases' in entry ? (entry as StoreSnapshot['models'][number]).aliases : {};
    const latest = entry.versions[entry.versions.length - 1];
    const summary = `${entry.versions.length} version${entry.versions.length === 1 ? '' : 's'}${Object.keys(aliases).length ? `; ${Object.entries(aliases).map(([a, v]) => `${a} → v${v}`).join(', ')}` : ''}`;
    const add = (selector: string, detail: string, rank: number) =>
      out.push(item(lines, word, `${kind}:${entry.name}@${selector}`, CompletionItemKind.Reference, { detail, documentation: summary, sortText: `${String(n).padStart(4, '0')}${rank}${selector}` }));
    if (latest !== undefined) add('latest', `v${latest}`, 0);
    for (const [alias, v] of Object.entries(aliases)) add(alias, `alias → v${v}`, 1);
    for (const v of [...entry.versions].reverse()) add(`v${v}`, `version ${v}`, 2);
  });
  return out;
}

function valueItems(model: PipelineModel, cursor: Extract<Cursor, { kind: 'value' }>, store: StoreSnapshot | undefined): CompletionItem[] {
  const lines = model.file.lines;
  const typed = model.file.text.slice(cursor.word.start, cursor.word.end);
  const refKind = /^dataset:/.test(typed) ? 'dataset' : /^model:/.test(typed) ? 'model' : undefined;
  if (refKind) return storeItems(lines, cursor.word, refKind, store);
  const path = cursor.inList ? [...cursor.path, 0] : cursor.path;
  const schema = schemaAt(model, path);
  if (!schema) return [];
  const [section, owner, field] = cursor.path;
  const options = schema.kind === 'union' ? schema.options : [schema];
  const out: CompletionItem[] = [];
  const at = (label: string, kind: Kind, extra: Partial<CompletionItem> = {}) => out.push(item(lines, cursor.word, label, kind, extra));
  for (const option of options.flatMap((o) => (o.kind === 'array' ? [o.items] : [o]))) {
    if (option.kind === 'string' && option.enum) for (const v of option.enum) at(v, CompletionItemKind.EnumMember, { documentation: option.enumDocs?.[v] && markdown(option.enumDocs[v]) });
    if (option.kind === 'string' && option.ref === 'stage') {
      const current = section === 'stages' ? owner : undefined;
      for (const s of model.stages.values()) if (s.name !== current) at(s.name, CompletionItemKind.Function, { detail: s.description ?? s.cmd?.value ?? (s.uses && `uses: ${s.uses.value}`) });
    }
    if (option.kind === 'string' && (option.ref === 'model' || option.ref === 'dataset')) out.push(...storeItems(lines, cursor.word, option.ref, store));
    if (option.kind === 'boolean') for (const v of ['true', 'false']) at(v, CompletionItemKind.Value);
    if (option.kind === 'number' && option.enum) for (const v of option.enum) at(String(v), CompletionItemKind.Value);
  }
  if (section === 'stages' && field === 'params' && cursor.path.length === 3) for (const p of model.params.values()) at(p.name, CompletionItemKind.Variable, { detail: preview(p.value) });
  // a union of a name and a list of names offers each name once
  const seen = new Set<string>();
  return out.filter((i) => !seen.has(i.label) && !!seen.add(i.label));
}

/** Keys already present in the block map at a path (so completion does not offer them again). */
function presentKeys(model: PipelineModel, path: string[]): Set<string> {
  const node = path.length ? model.file.doc.getIn(path, true) : model.file.doc.contents;
  return new Set(isMap(node) ? entries(node).map((e) => e.name) : []);
}

function keyItem(lines: LineIndex, word: Span, name: string, schema: SchemaNode, sort: string): CompletionItem {
  return item(lines, word, name, CompletionItemKind.Property, { documentation: markdown(describeSchema(schema)), sortText: sort }, `${name}: `);
}

function keyItems(model: PipelineModel, cursor: Extract<Cursor, { kind: 'key' }>): CompletionItem[] {
  const lines = model.file.lines;
  const schema = schemaAt(model, cursor.path);
  const node = schema?.kind === 'union' ? schema.options.find((o) => o.kind === 'object' || o.kind === 'map') : schema;
  if (!node) return [];
  const present = presentKeys(model, cursor.path);
  const typed = model.file.text.slice(cursor.word.start, cursor.word.end);
  const fresh = (k: string) => !present.has(k) || k === typed;
  if (node.kind === 'object') {
    const required = new Set(node.required ?? []);
    return Object.entries(node.properties).filter(([k]) => fresh(k)).map(([k, s]) => keyItem(lines, cursor.word, k, s, `${required.has(k) ? 0 : 1}${k}`));
  }
  // the search space of a sweep names params of its stage
  const [section, sweepName, field] = cursor.path;
  if (node.kind === 'map' && section === 'sweeps' && field === 'parameters' && cursor.path.length === 3) {
    const stage = model.sweeps.get(sweepName)?.stage?.value;
    const names = stage && model.stages.has(stage) ? [...paramsUsedBy(model, stage)] : [...model.params.keys()];
    return names.filter(fresh).map((p) => keyItem(lines, cursor.word, p, node.values, p));
  }
  return [];
}

/** Completion at an offset of the pipeline text: keys, values, store references and `${{ }}` references. */
export function complete(model: PipelineModel, offset: number, store?: StoreSnapshot): CompletionItem[] {
  const cursor = cursorAt(model.file.lines, offset);
  switch (cursor.kind) {
    case 'expression':
      return expressionItems(model, cursor);
    case 'value':
      return valueItems(model, cursor, store);
    case 'key':
      return keyItems(model, cursor);
  }
}
