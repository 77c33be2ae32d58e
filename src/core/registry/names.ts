import { LatheError } from '../workspace/errors';

const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
export const ALIAS_NAME = /^[a-z][a-z0-9_-]{0,39}$/;
export const STANDARD_ALIASES = ['production', 'staging', 'canary'] as const;
const VERSION_LIKE = /^v?\d+$/;

/** Why `alias` cannot name an alias, or undefined when it can (shared by core and the editor's input box). */
export function aliasProblem(alias: string): string | undefined {
  if (alias === 'latest') return "'latest' always means the newest version and cannot be set";
  if (VERSION_LIKE.test(alias)) return `'${alias}' looks like a version number`;
  if (!ALIAS_NAME.test(alias)) return 'use 1-40 lower-case letters, digits, "_" or "-", starting with a letter';
  return undefined;
}

export function assertModelName(name: string): void {
  // the name becomes a folder under .lathe/models: '..' or a slash must never get there
  if (!MODEL_NAME.test(name) || name === '.' || name === '..') {
    throw new LatheError('invalid-name', `invalid model name '${name}'`, {
      hint: 'use letters, digits, ".", "_" or "-", starting with a letter or digit',
    });
  }
}

export function assertAlias(alias: string): void {
  const problem = aliasProblem(alias);
  if (problem) throw new LatheError('invalid-alias', `invalid alias '${alias}': ${problem}`, { hint: `e.g. ${STANDARD_ALIASES.join(', ')}` });
}

/** A parsed reference: `name`, `name@latest`, `name@vK`, `name@K` or `name@alias`. */
export type ModelRef =
  | { name: string; kind: 'latest' }
  | { name: string; kind: 'version'; version: number }
  | { name: string; kind: 'alias'; alias: string };

export function parseModelRef(ref: string): ModelRef {
  const at = ref.lastIndexOf('@');
  const name = at < 0 ? ref : ref.slice(0, at);
  const selector = at < 0 ? 'latest' : ref.slice(at + 1);
  assertModelName(name);
  if (selector === 'latest') return { name, kind: 'latest' };
  const version = Number(selector.replace(/^v/, ''));
  if (VERSION_LIKE.test(selector) && version >= 1 && Number.isSafeInteger(version)) return { name, kind: 'version', version };
  if (!VERSION_LIKE.test(selector) && ALIAS_NAME.test(selector)) return { name, kind: 'alias', alias: selector };
  throw new LatheError('invalid-ref', `invalid model reference '${ref}'`, {
    hint: 'use name, name@vK, name@K, name@latest or name@<alias>, e.g. classifier@v3 or classifier@production',
  });
}

export function versionRef(name: string, version: number): string {
  return `${name}@v${version}`;
}
