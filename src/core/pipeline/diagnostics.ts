import type { Span } from './text';

export type Severity = 'error' | 'warning' | 'information' | 'hint';

/** Every diagnostic code, its default severity and what it means. Codes are stable: settings and `# lathe-ignore` name them. */
export const DIAGNOSTIC_CODES = {
  'syntax': { severity: 'error', doc: 'YAML syntax error.' },
  'duplicate-key': { severity: 'error', doc: 'A key appears twice in the same map.' },
  'unknown-key': { severity: 'error', doc: 'A key the format does not define.' },
  'wrong-type': { severity: 'error', doc: 'A value of the wrong type.' },
  'invalid-value': { severity: 'error', doc: 'A value outside the allowed set.' },
  'out-of-range': { severity: 'error', doc: 'A number outside its bounds.' },
  'missing-required': { severity: 'error', doc: 'A required key is missing.' },
  'cmd-and-uses': { severity: 'error', doc: 'A stage has both `cmd` and `uses`.' },
  'with-without-uses': { severity: 'error', doc: '`with:` without a built-in stage (`uses:`).' },
  'unknown-builtin': { severity: 'error', doc: '`uses:` names no built-in stage.' },
  'unknown-stage': { severity: 'error', doc: 'A reference to a stage that does not exist.' },
  'self-need': { severity: 'error', doc: 'A stage needs itself.' },
  'cycle': { severity: 'error', doc: 'Stages depend on each other in a cycle.' },
  'duplicate-output': { severity: 'error', doc: 'Two stages write the same output.' },
  'dep-is-output': { severity: 'error', doc: 'A path is both a dep and an out of one stage.' },
  'overlapping-outputs': { severity: 'error', doc: 'An output lies inside another output folder.' },
  'expression-syntax': { severity: 'error', doc: 'A malformed `${{ }}` expression.' },
  'expression-context': { severity: 'error', doc: 'An expression used where it is not allowed, or with an unknown context.' },
  'unknown-param': { severity: 'error', doc: 'A param that is not defined.' },
  'unknown-output': { severity: 'error', doc: 'A stage output that does not exist.' },
  'unknown-dataset': { severity: 'warning', doc: 'A dataset (or version) that the store does not have.' },
  'unknown-model': { severity: 'warning', doc: 'A model (or version/alias) that the registry does not have.' },
  'invalid-reference': { severity: 'error', doc: 'A malformed `dataset:` / `model:` reference.' },
  'missing-dep': { severity: 'warning', doc: 'A dep that does not exist in the workspace and no stage produces.' },
  'params-file': { severity: 'error', doc: 'The params file is missing or not a map.' },
  'sweep-range': { severity: 'error', doc: 'A sweep distribution with invalid bounds or values.' },
  'sweep-early-terminate': { severity: 'error', doc: 'Inconsistent early termination settings.' },
  'sweep-unused-param': { severity: 'warning', doc: 'A sweep parameter the stage never references.' },
  'sweep-parallel': { severity: 'warning', doc: 'More parallel trials than trials.' },
  'invalid-ignore': { severity: 'warning', doc: '`# lathe-ignore` names a code that does not exist.' },
} as const satisfies Record<string, { severity: Severity; doc: string }>;

export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;

/** A text edit in offsets of the pipeline file. */
export interface Edit {
  span: Span;
  newText: string;
}

export interface Fix {
  title: string;
  edits: Edit[];
  preferred?: boolean;
}

export interface PipelineDiagnostic {
  code: DiagnosticCode;
  message: string;
  span: Span;
  severity: Severity;
  fixes?: Fix[];
}

/** Severity overrides per code (from settings); 'off' drops the diagnostic. */
export type SeverityOverrides = Partial<Record<string, Severity | 'off'>>;

export function diag(code: DiagnosticCode, span: Span, message: string, fixes?: Fix[]): PipelineDiagnostic {
  return { code, message, span, severity: DIAGNOSTIC_CODES[code].severity, ...(fixes?.length ? { fixes } : {}) };
}
