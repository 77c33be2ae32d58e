import { LatheError } from '../core/workspace/errors';
import type { StoreLayout } from '../core/workspace/layout';

/** Parsed command line: positionals and --options (repeatable options collect into arrays). */
export interface CliArgs {
  positionals: string[];
  options: Record<string, string | boolean | string[] | undefined>;
  /** Everything after a bare `--` (the user command of `lathe run`). */
  rest: string[];
}

export interface CliContext {
  cwd: string;
  args: CliArgs;
  json: boolean;
  /** Opens (and creates if needed) the workspace store above cwd. */
  store(): Promise<StoreLayout>;
  /** Human-readable output line (suppressed with --json). */
  print(line: string): void;
}

export interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
  description: string;
}

/**
 * One CLI command. `run` returns the result object printed with --json; `format` renders it for humans.
 * Throw LatheError for failures: the CLI prints one line and exits non-zero.
 */
export interface CliCommand<R = unknown> {
  /** Words that select it, e.g. ['data', 'add']. */
  path: string[];
  usage: string;
  summary: string;
  options?: Record<string, OptionSpec>;
  run(ctx: CliContext): Promise<R>;
  format?(result: R): string;
  /** The process exit code for a successful `run` (default 0): `lathe run` exits with its command's code. */
  exitCode?(result: R): number;
}

export function stringOption(args: CliArgs, name: string): string | undefined {
  const v = args.options[name];
  if (Array.isArray(v)) return v[v.length - 1];
  return typeof v === 'string' ? v : undefined;
}

/** A numeric option, or a usage error naming it when the text is not a number. */
export function numberOption(args: CliArgs, name: string): number | undefined {
  const text = stringOption(args, name);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw new LatheError('usage', `--${name} must be a number, got '${text}'`);
  return value;
}

export function listOption(args: CliArgs, name: string): string[] {
  const v = args.options[name];
  if (Array.isArray(v)) return v;
  return typeof v === 'string' ? [v] : [];
}

export function flag(args: CliArgs, name: string): boolean {
  return args.options[name] === true;
}

/** The positional argument at `index`, or a usage error naming what is missing. */
export function positional(args: CliArgs, index: number, what: string, usage: string): string {
  const value = args.positionals[index];
  if (!value) throw new LatheError('usage', `missing ${what}`, { hint: `usage: lathe ${usage}` });
  return value;
}
