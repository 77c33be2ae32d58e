import { LatheError } from '../workspace/errors';
import type { ParamValue } from './record';

const PARAM_KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function assertParamKey(key: string): void {
  if (!PARAM_KEY.test(key)) {
    throw new LatheError('usage', `invalid parameter name '${key}'`, { hint: 'use letters, digits, "_", "." or "-", starting with a letter or "_"' });
  }
}

/** A command-line value: numbers and true/false become JSON numbers and booleans, anything else stays a string. */
export function parseParamValue(text: string): ParamValue {
  if (NUMBER.test(text)) return Number(text);
  if (text === 'true' || text === 'false') return text === 'true';
  return text;
}

/** `['lr=0.01', 'optimizer=adam']` → `{lr: 0.01, optimizer: 'adam'}`. */
export function parseParamAssignments(assignments: string[]): Record<string, ParamValue> {
  const params: Record<string, ParamValue> = {};
  for (const a of assignments) {
    const eq = a.indexOf('=');
    if (eq <= 0) throw new LatheError('usage', `parameter '${a}' is not of the form name=value`, { hint: 'e.g. --param lr=0.01' });
    const key = a.slice(0, eq);
    assertParamKey(key);
    params[key] = parseParamValue(a.slice(eq + 1));
  }
  return params;
}

/** `LATHE_PARAM_<NAME>` variables: the name upper-cased with other characters as `_`, strings raw, the rest as JSON. */
export function paramEnv(params: Record<string, ParamValue>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(params).map(([k, v]) => [`LATHE_PARAM_${k.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}`, typeof v === 'string' ? v : JSON.stringify(v)]),
  );
}
