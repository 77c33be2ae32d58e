import { SymbolKind, type DocumentSymbol } from 'vscode-languageserver-types';
import type { Node } from 'yaml';
import type { PipelineModel } from '../model';
import { entries, getPair, keySpan, nodeSpan } from '../parse';
import type { Span } from '../text';
import { preview } from './locate';

const SECTIONS: { name: string; kind: SymbolKind; detail: (model: PipelineModel, entry: string) => string | undefined }[] = [
  { name: 'params', kind: SymbolKind.Variable, detail: (m, n) => preview(m.params.get(n)?.value) },
  { name: 'datasets', kind: SymbolKind.File, detail: (m, n) => m.datasets.get(n)?.path?.value },
  { name: 'models', kind: SymbolKind.File, detail: (m, n) => m.models.get(n)?.path?.value },
  { name: 'stages', kind: SymbolKind.Function, detail: (m, n) => { const s = m.stages.get(n); return s?.cmd?.value ?? (s?.uses && `uses: ${s.uses.value}`); } },
  { name: 'sweeps', kind: SymbolKind.Event, detail: (m, n) => { const s = m.sweeps.get(n)?.stage; return s && `stage: ${s.value}`; } },
];

/** The outline of a pipeline: one symbol per section (params, datasets, models, stages, sweeps), its entries as children. */
export function documentSymbols(model: PipelineModel): DocumentSymbol[] {
  const lines = model.file.lines;
  const text = model.file.text;
  // a block value's range runs to the start of the next key: the symbol ends where its text does
  const end = (key: Span, value: Node | null) => {
    let e = Math.max(key.end, nodeSpan(value).end);
    while (e > key.end && /\s/.test(text[e - 1])) e--;
    return e;
  };
  const symbol = (name: string, kind: SymbolKind, key: Span, value: Node | null, detail?: string, children?: DocumentSymbol[]): DocumentSymbol => ({
    name,
    kind,
    range: lines.range({ start: key.start, end: end(key, value) }),
    selectionRange: lines.range(key),
    ...(detail ? { detail } : {}),
    ...(children ? { children } : {}),
  });
  const out: DocumentSymbol[] = [];
  for (const section of SECTIONS) {
    const pair = getPair(model.file.doc.contents, section.name);
    if (!pair) continue;
    const seen = new Set<string>();
    const children = entries(pair.value)
      .filter(({ name }) => !seen.has(name) && !!seen.add(name))
      .map(({ name, pair: p }) => symbol(name, section.kind, keySpan(p), p.value, section.detail(model, name)));
    out.push(symbol(section.name, SymbolKind.Namespace, keySpan(pair), pair.value, undefined, children));
  }
  return out.sort((a, b) => a.range.start.line - b.range.start.line);
}
