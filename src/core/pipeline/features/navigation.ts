import type { Location, Range, TextEdit } from 'vscode-languageserver-types';
import type { ParsedYaml } from '../parse';
import type { PipelineAnalysis } from '../service';
import { contains, type Span } from '../text';
import { innerSpan } from './locate';

/** A name that can be navigated and renamed. */
export interface SymbolRef {
  kind: 'stage' | 'param';
  name: string;
}

/** One place a symbol appears: its definition or a use, in the pipeline or in the params file. */
export interface Occurrence {
  file: ParsedYaml;
  span: Span;
  definition: boolean;
}

/** Every occurrence of a stage or a param: definitions, `needs`, sweep stages, `params:` lists, sweep spaces, expressions. */
export function occurrences(analysis: Pick<PipelineAnalysis, 'model' | 'paramsFile'>, ref: SymbolRef): Occurrence[] {
  const { model } = analysis;
  const file = model.file;
  const at = (span: Span, definition = false, where: ParsedYaml = file): Occurrence => ({ file: where, span: innerSpan(where.text, span), definition });
  const out: Occurrence[] = [];
  if (ref.kind === 'stage') {
    const stage = model.stages.get(ref.name);
    if (stage) out.push(at(stage.key, true));
    for (const s of model.stages.values()) for (const n of s.needs) if (n.value === ref.name) out.push(at(n.span));
    for (const sw of model.sweeps.values()) if (sw.stage?.value === ref.name) out.push(at(sw.stage.span));
  } else {
    const param = model.params.get(ref.name);
    if (param) out.push(at(param.key, true, param.uri === file.uri ? file : (analysis.paramsFile ?? file)));
    for (const s of model.stages.values()) for (const p of s.params) if (p.value === ref.name) out.push(at(p.span));
    for (const sw of model.sweeps.values()) for (const p of sw.parameters) if (p.name === ref.name) out.push(at(p.key));
  }
  const root = ref.kind === 'stage' ? 'stages' : 'params';
  for (const e of model.expressions) if (e.segments[0]?.value === root && e.segments[1]?.value === ref.name) out.push(at(e.segments[1].span));
  return out.sort((a, b) => Number(a.file !== file) - Number(b.file !== file) || a.span.start - b.span.start);
}

/** The symbol under an offset of the pipeline text, and the span of the name there (undefined names included: renaming a typo fixes it everywhere). */
export function symbolAt(analysis: Pick<PipelineAnalysis, 'model'>, offset: number): { ref: SymbolRef; span: Span } | undefined {
  const { model } = analysis;
  const text = model.file.text;
  const names: [SymbolRef['kind'], string, Span][] = [];
  for (const s of model.stages.values()) {
    names.push(['stage', s.name, s.key]);
    for (const n of s.needs) names.push(['stage', n.value, n.span]);
    for (const p of s.params) names.push(['param', p.value, p.span]);
  }
  for (const sw of model.sweeps.values()) {
    if (sw.stage) names.push(['stage', sw.stage.value, sw.stage.span]);
    for (const p of sw.parameters) names.push(['param', p.name, p.key]);
  }
  for (const p of model.params.values()) if (p.uri === model.file.uri) names.push(['param', p.name, p.key]);
  for (const e of model.expressions) {
    const [root, name] = e.segments;
    if (typeof name?.value === 'string' && (root.value === 'stages' || root.value === 'params')) names.push([root.value === 'stages' ? 'stage' : 'param', name.value, name.span]);
  }
  for (const [kind, name, span] of names) {
    const inner = innerSpan(text, span);
    if (contains(inner, offset)) return { ref: { kind, name }, span: inner };
  }
  return undefined;
}

/** URIs of the files: the pipeline's own, and the params file's resolved by the caller (it is relative). */
export type UriOf = (file: ParsedYaml) => string;

const location = (uriOf: UriOf, o: Occurrence): Location => ({ uri: uriOf(o.file), range: o.file.lines.range(o.span) });

export function definition(analysis: PipelineAnalysis, offset: number, uriOf: UriOf): Location[] {
  const found = symbolAt(analysis, offset);
  return found ? occurrences(analysis, found.ref).filter((o) => o.definition).map((o) => location(uriOf, o)) : [];
}

export function references(analysis: PipelineAnalysis, offset: number, includeDeclaration: boolean, uriOf: UriOf): Location[] {
  const found = symbolAt(analysis, offset);
  return found ? occurrences(analysis, found.ref).filter((o) => includeDeclaration || !o.definition).map((o) => location(uriOf, o)) : [];
}

export function prepareRename(analysis: PipelineAnalysis, offset: number): { range: Range; placeholder: string } | undefined {
  const found = symbolAt(analysis, offset);
  return found && { range: analysis.file.lines.range(found.span), placeholder: found.ref.name };
}

// names must stay usable in expressions (`${{ stages.NAME... }}`), so they follow the expression grammar's identifiers
const NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** Edits renaming the symbol under the offset everywhere, per URI; or why it cannot be renamed. */
export function rename(analysis: PipelineAnalysis, offset: number, newName: string, uriOf: UriOf): { changes: Record<string, TextEdit[]> } | { error: string } | undefined {
  const found = symbolAt(analysis, offset);
  if (!found) return undefined;
  const { ref } = found;
  if (!NAME.test(newName)) return { error: `'${newName}' is not a valid ${ref.kind} name: use letters, digits, '_' and '-', starting with a letter or '_'` };
  const taken = ref.kind === 'stage' ? analysis.model.stages : analysis.model.params;
  if (newName !== ref.name && taken.has(newName)) return { error: `a ${ref.kind} named '${newName}' already exists` };
  const changes: Record<string, TextEdit[]> = {};
  for (const o of occurrences(analysis, ref)) (changes[uriOf(o.file)] ??= []).push({ range: o.file.lines.range(o.span), newText: newName });
  return { changes };
}
