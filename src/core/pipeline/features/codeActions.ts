import { CodeActionKind, DiagnosticSeverity, type CodeAction, type Diagnostic } from 'vscode-languageserver-types';
import type { Severity } from '../diagnostics';
import type { LocatedDiagnostic, LocatedFix } from '../service';
import type { LineIndex } from '../text';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

/** What a published diagnostic carries in `data`: its quick fixes, so code actions need no re-validation. */
export interface DiagnosticData {
  fixes: LocatedFix[];
}

export function toLspDiagnostic(d: LocatedDiagnostic): Diagnostic {
  const data: DiagnosticData = { fixes: d.fixes ?? [] };
  return { range: d.range, severity: SEVERITY[d.severity], code: d.code, source: 'lathe', message: d.message, data };
}

const overlaps = (a: Diagnostic['range'], b: Diagnostic['range']) =>
  !(a.end.line < b.start.line || (a.end.line === b.start.line && a.end.character < b.start.character) || b.end.line < a.start.line || (b.end.line === a.start.line && b.end.character < a.start.character));

/**
 * Code actions for the diagnostics the editor sends back: each fix in their `data`, then "ignore on this line"
 * (a `# lathe-ignore <code>` comment, added to an existing one when the line has it).
 */
export function codeActions(lines: LineIndex, uri: string, diagnostics: Diagnostic[], range: Diagnostic['range']): CodeAction[] {
  const out: CodeAction[] = [];
  const ignores: CodeAction[] = [];
  for (const d of diagnostics) {
    if (d.source !== 'lathe' || !overlaps(d.range, range)) continue;
    const fixes = (d.data as DiagnosticData | undefined)?.fixes ?? [];
    for (const fix of fixes) {
      out.push({ title: fix.title, kind: CodeActionKind.QuickFix, diagnostics: [d], isPreferred: !!fix.preferred, edit: { changes: { [uri]: fix.edits.map((e) => ({ range: e.range, newText: e.newText })) } } });
    }
    if (typeof d.code !== 'string' || d.code === 'syntax') continue;
    const line = d.range.start.line;
    const text = lines.lineText(line);
    const at = { line, character: text.length };
    const newText = /#\s*lathe-ignore\b/.test(text) ? `, ${d.code}` : ` # lathe-ignore ${d.code}`;
    ignores.push({ title: `Ignore '${d.code}' on this line`, kind: CodeActionKind.QuickFix, diagnostics: [d], edit: { changes: { [uri]: [{ range: { start: at, end: at }, newText }] } } });
  }
  return [...out, ...ignores];
}
