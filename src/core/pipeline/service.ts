import type { Range } from 'vscode-languageserver-types';
import { buildDag, type Dag } from './dag';
import { DIAGNOSTIC_CODES, diag, type DiagnosticCode, type Edit, type PipelineDiagnostic, type SeverityOverrides } from './diagnostics';
import { buildModel, type PipelineModel } from './model';
import { getPair, isStringScalar, nodeSpan, parseYaml, type ParsedYaml } from './parse';
import type { StoreSnapshot } from './store';
import { didYouMean } from './suggest';
import type { LineIndex } from './text';
import { checkExpressions } from './validate/expressionCheck';
import { checkGraph } from './validate/graphCheck';
import { checkParamsFileShape, checkSchema } from './validate/schemaCheck';
import { checkSweeps } from './validate/sweepCheck';
import { checkMissingDeps, checkStageParams, checkStoreRefs } from './validate/workspaceCheck';

/**
 * What validation may know of the world, passed in as data and functions so the service stays pure and testable:
 * the language server, the CLI and tests each supply their own.
 */
export interface ValidationContext {
  /** Identifies the pipeline file in messages and models; default `lathe.yaml`. */
  uri?: string;
  /** Text of a workspace file (the params file), undefined when it does not exist. Omitted: params files are not read. */
  readFile?: (relPath: string) => string | undefined;
  /** Whether a workspace path exists. Omitted: deps are not checked against the disk. */
  fileExists?: (relPath: string) => boolean;
  /** Datasets and models in the store. Omitted: references are checked for form only. */
  store?: StoreSnapshot;
  /** Severity per code from settings; 'off' drops the code. */
  severities?: SeverityOverrides;
}

export interface PipelineAnalysis {
  file: ParsedYaml;
  paramsFile?: ParsedYaml;
  model: PipelineModel;
  dag: Dag;
  /** After `# lathe-ignore` comments and severity overrides, in source order. */
  diagnostics: PipelineDiagnostic[];
}

export interface LocatedEdit extends Edit {
  range: Range;
}

export interface LocatedFix {
  title: string;
  edits: LocatedEdit[];
  preferred?: boolean;
}

/** A diagnostic with LSP line/character ranges, ready for an editor. */
export interface LocatedDiagnostic extends Omit<PipelineDiagnostic, 'fixes'> {
  range: Range;
  fixes?: LocatedFix[];
}

/** Parse the params file that `params:` names, reporting a missing or malformed one on the `params:` value. */
function readParamsFile(file: ParsedYaml, context: ValidationContext, out: PipelineDiagnostic[]): { parsed?: ParsedYaml; known: boolean } {
  const node = getPair(file.doc.contents, 'params')?.value;
  if (!isStringScalar(node)) return { known: true };
  if (!context.readFile) return { known: false };
  const span = nodeSpan(node);
  const text = context.readFile(node.value);
  if (text === undefined) {
    out.push(diag('params-file', span, `params file '${node.value}' does not exist`));
    return { known: false };
  }
  const parsed = parseYaml(node.value, text);
  const first = parsed.syntaxErrors[0];
  const shape = checkParamsFileShape(parsed);
  if (first) out.push(diag('params-file', span, `params file '${node.value}' line ${parsed.lines.positionAt(first.span.start).line + 1}: ${first.message}`));
  else if (shape) out.push(diag('params-file', span, shape));
  return first || shape ? { known: false } : { parsed, known: true };
}

/** Parse, model and check a pipeline text: every diagnostic the format defines. */
export function analyze(text: string, context: ValidationContext = {}): PipelineAnalysis {
  return analyzeParsed(parseYaml(context.uri ?? 'lathe.yaml', text), context);
}

/** `analyze` of a text already parsed (by incremental analysis, which parses block by block). */
export function analyzeParsed(file: ParsedYaml, context: ValidationContext = {}): PipelineAnalysis {
  const found: PipelineDiagnostic[] = file.syntaxErrors.map((e) => diag('syntax', e.span, e.message));
  const params = readParamsFile(file, context, found);
  const model = buildModel(file, params.parsed);
  const dag = buildDag(model);
  checkSchema(model, found);
  checkGraph(model, dag, found);
  checkExpressions(model, params.known, found);
  if (params.known) checkStageParams(model, found);
  checkSweeps(model, found);
  checkStoreRefs(model, context.store, found);
  if (context.fileExists) checkMissingDeps(model, context.fileExists, found);
  const diagnostics = applySettings(file, quietAroundSyntaxErrors(file, found), context.severities ?? {});
  diagnostics.sort((a, b) => a.span.start - b.span.start || a.span.end - b.span.end || a.code.localeCompare(b.code));
  return { file, paramsFile: params.parsed, model, dag, diagnostics };
}

/** The language-service entry point for diagnostics: ranges in lines and characters, fixes as located edits. */
export function validate(text: string, context: ValidationContext = {}): LocatedDiagnostic[] {
  const { file, diagnostics } = analyze(text, context);
  return diagnostics.map((d) => locate(file.lines, d));
}

export function locate(lines: LineIndex, d: PipelineDiagnostic): LocatedDiagnostic {
  const { fixes, ...rest } = d;
  const located: LocatedDiagnostic = { ...rest, range: lines.range(d.span) };
  if (fixes) located.fixes = fixes.map((f) => ({ ...f, edits: f.edits.map((e) => ({ ...e, range: lines.range(e.span) })) }));
  return located;
}

/**
 * After a syntax error the parser's recovery can give a line a shape the user did not mean: other diagnostics
 * starting on that line would only repeat the error, so they are dropped. Spans lose trailing line breaks.
 */
function quietAroundSyntaxErrors(file: ParsedYaml, found: PipelineDiagnostic[]): PipelineDiagnostic[] {
  const broken = new Set(file.syntaxErrors.map((e) => file.lines.positionAt(e.span.start).line));
  const lineOf = (d: PipelineDiagnostic) => file.lines.positionAt(d.span.start).line;
  return found
    .filter((d) => d.code === 'syntax' || !broken.has(lineOf(d)))
    .map((d) => {
      let end = d.span.end;
      while (end > d.span.start && /\s/.test(file.text[end - 1])) end--;
      return end === d.span.end ? d : { ...d, span: { start: d.span.start, end } };
    });
}

/** The lines containing `needle`, found by searching the text rather than testing every line. */
function linesMentioning(file: ParsedYaml, needle: string): number[] {
  const lines: number[] = [];
  for (let at = file.text.indexOf(needle); at >= 0; ) {
    const line = file.lines.positionAt(at).line;
    lines.push(line);
    at = file.text.indexOf(needle, file.lines.lineEnd(line) + 1);
  }
  return lines;
}

const IGNORE = /(?:^|\s)#\s*lathe-ignore\b(.*)$/;

/**
 * `# lathe-ignore code[, code...]` at the end of a line silences those codes on that line; on a line of its own, on
 * the next line. Without codes it silences every diagnostic of that line. Then severity overrides apply.
 */
function applySettings(file: ParsedYaml, found: PipelineDiagnostic[], severities: SeverityOverrides): PipelineDiagnostic[] {
  const ignored = new Map<number, Set<string> | 'all'>();
  const extra: PipelineDiagnostic[] = [];
  for (const line of linesMentioning(file, 'lathe-ignore')) {
    const text = file.lines.lineText(line);
    const m = IGNORE.exec(text);
    if (!m) continue;
    const target = text.slice(0, m.index).trim() === '' ? line + 1 : line;
    const codes = m[1].split(/[\s,]+/).filter(Boolean);
    ignored.set(target, codes.length ? new Set(codes) : 'all');
    const at = file.lines.lineStart(line) + m.index + m[0].length - m[1].length;
    for (const code of codes) {
      if (code in DIAGNOSTIC_CODES) continue;
      const start = at + m[1].indexOf(code);
      const span = { start, end: start + code.length };
      const fixes = didYouMean(code, Object.keys(DIAGNOSTIC_CODES)).map((s, i) => ({ title: `Change to '${s}'`, edits: [{ span, newText: s }], preferred: i === 0 }));
      extra.push(diag('invalid-ignore', span, `'${code}' is not a Lathe diagnostic code`, fixes));
    }
  }
  const kept: PipelineDiagnostic[] = [];
  for (const d of [...found, ...extra]) {
    const rule = ignored.get(file.lines.positionAt(d.span.start).line);
    if (rule === 'all' || rule?.has(d.code)) continue;
    const severity = severities[d.code as DiagnosticCode];
    if (severity === 'off') continue;
    kept.push(severity ? { ...d, severity } : d);
  }
  return kept;
}
