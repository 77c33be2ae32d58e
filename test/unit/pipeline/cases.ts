import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { LocatedDiagnostic, ValidationContext } from '../../../src/core/pipeline/service';
import type { StoreSnapshot } from '../../../src/core/pipeline/store';
import type { SeverityOverrides } from '../../../src/core/pipeline/diagnostics';

/**
 * A diagnostic case is `cases/<name>.yaml` with `cases/<name>.expected.json`:
 * `{ "context"?: { "files"?: string[] | {path: text}, "store"?: StoreSnapshot, "severities"?: {...} },
 *    "diagnostics": [{ "code", "range": "line:col-line:col" (1-based, as editors show), "severity",
 *                      "message": a substring, "fixes"?: fix titles in order }] }`.
 * `files` lists the workspace paths that exist (a map also gives their text, for params files).
 */
export const CASES_DIR = path.join(__dirname, 'cases');

export interface ExpectedDiagnostic {
  code: string;
  range: string;
  severity: string;
  message: string;
  fixes?: string[];
}

export interface CaseContext {
  files?: string[] | Record<string, string>;
  store?: StoreSnapshot;
  severities?: SeverityOverrides;
}

export interface Case {
  name: string;
  text: string;
  context: CaseContext;
  expected: ExpectedDiagnostic[];
}

export function loadCases(): Case[] {
  return readdirSync(CASES_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => {
      const name = f.slice(0, -'.yaml'.length);
      const spec = JSON.parse(readFileSync(path.join(CASES_DIR, `${name}.expected.json`), 'utf8')) as { context?: CaseContext; diagnostics: ExpectedDiagnostic[] };
      return { name, text: readFileSync(path.join(CASES_DIR, f), 'utf8'), context: spec.context ?? {}, expected: spec.diagnostics };
    });
}

/** The validation context a case describes: the workspace as data, no disk. */
export function toValidationContext(c: CaseContext): ValidationContext {
  const context: ValidationContext = { store: c.store, severities: c.severities };
  if (c.files) {
    const texts: Record<string, string> = Array.isArray(c.files) ? {} : c.files;
    const paths = Array.isArray(c.files) ? c.files : Object.keys(c.files);
    context.fileExists = (p) => paths.some((f) => f === p || f.startsWith(p + '/'));
    context.readFile = (p) => texts[p];
  }
  return context;
}

export function formatRange(d: LocatedDiagnostic): string {
  const { start, end } = d.range;
  return `${start.line + 1}:${start.character + 1}-${end.line + 1}:${end.character + 1}`;
}

export function describe(d: LocatedDiagnostic): ExpectedDiagnostic {
  return { code: d.code, range: formatRange(d), severity: d.severity, message: d.message, ...(d.fixes ? { fixes: d.fixes.map((f) => f.title) } : {}) };
}
