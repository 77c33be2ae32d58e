import { splitCommandLine } from '../../execute/argv';
import type { ParamValue } from '../../runs/record';
import { LatheError } from '../../workspace/errors';
import { stableStringify } from '../../workspace/json';
import { normalizePath } from '../dag';
import { referenceText, scanExpressions, type Segment } from '../expressions';
import { paramsUsedBy, type PipelineModel, type StageModel } from '../model';
import { isStoreRef } from '../refs';

/** A stage with every `${{ }}` substituted: what the runner executes and what the lock file records. */
export interface ResolvedStage {
  name: string;
  /** argv of a `cmd` stage; a substituted value is always inside one word. */
  argv?: string[];
  /** The built-in stage named by `uses`, with its substituted `with:` arguments. */
  uses?: string;
  with?: Record<string, unknown>;
  /** For people: the argv quoted like a shell would need it, or `uses NAME` and the arguments. */
  command: string;
  /** Workspace-relative, normalized. */
  deps: string[];
  /** The `dataset:`/`model:` references it reads (in `deps`, `with:` or as a word of `cmd`), sorted. */
  refs: string[];
  outs: string[];
  /** The params the stage uses, with their values. */
  params: Record<string, ParamValue>;
  cwd?: string;
  env: Record<string, string>;
}

/** Placeholders for expressions while a command is split into words: private-use characters no shell syntax uses. */
const HOLE_OPEN = '\uE000';
const HOLE_CLOSE = '\uE001';
const HOLE = /\uE000(\d+)\uE001/g;
const MAX_DEPTH = 32;

/** A word as a POSIX shell would need it written, for display only (commands never reach a shell). */
function quoteWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function asText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Evaluates references against one pipeline model; stage outputs may themselves hold expressions. */
class Resolver {
  constructor(private readonly model: PipelineModel) {}

  private fail(stage: string, message: string): never {
    throw new LatheError('invalid-pipeline', `stage '${stage}': ${message}`, { file: this.model.file.uri, hint: 'run `lathe pipeline validate`' });
  }

  value(stage: string, segments: Segment[], depth: number): unknown {
    const [root, name, ...rest] = segments;
    const ref = referenceText(segments);
    if (depth > MAX_DEPTH) this.fail(stage, `expressions refer to each other without end at '${ref}'`);
    const key = String(name?.value);
    if (root?.value === 'params') {
      const param = this.model.params.get(key);
      if (!param) this.fail(stage, `unknown param in '${ref}'`);
      let value: unknown = param.value;
      for (const s of rest) value = value !== null && typeof value === 'object' ? (value as Record<string | number, unknown>)[s.value] : undefined;
      if (value === undefined) this.fail(stage, `'${ref}' has no value`);
      return value;
    }
    if (root?.value === 'stages') {
      const other = this.model.stages.get(key);
      const [field, index] = rest;
      const list = field?.value === 'outs' ? other?.outs : field?.value === 'metrics' ? other?.metrics : undefined;
      const item = list?.[typeof index?.value === 'number' ? index.value : 0];
      if (!item) this.fail(stage, `'${ref}' names no output`);
      return this.text(key, item.value, depth + 1);
    }
    if (root?.value === 'datasets' || root?.value === 'models') {
      const def = (root.value === 'datasets' ? this.model.datasets : this.model.models).get(key);
      if (!def?.path) this.fail(stage, `'${ref}' has no path`);
      return this.text(stage, def.path.value, depth + 1);
    }
    return this.fail(stage, `cannot evaluate '${ref}'`);
  }

  private scan(stage: string, text: string) {
    const found = scanExpressions(text, 0);
    const bad = found.find((e) => e.error);
    if (bad) this.fail(stage, `${bad.error!.message} in '${text}'`);
    return found;
  }

  /** A string with its expressions replaced by their values (JSON for lists and maps). */
  text(stage: string, text: string, depth = 0): string {
    let out = '';
    let at = 0;
    for (const e of this.scan(stage, text)) {
      out += text.slice(at, e.span.start) + asText(this.value(stage, e.segments, depth));
      at = e.span.end;
    }
    return out + text.slice(at);
  }

  /** A `with:` value: a string that is exactly one expression keeps the value's type (`epochs: ${{ params.epochs }}`). */
  argument(stage: string, value: unknown): unknown {
    if (typeof value === 'string') {
      const found = this.scan(stage, value);
      if (found.length === 1 && found[0].span.start === 0 && found[0].span.end === value.length) return this.value(stage, found[0].segments, 0);
      return this.text(stage, value);
    }
    if (Array.isArray(value)) return value.map((v) => this.argument(stage, v));
    if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.argument(stage, v)]));
    return value;
  }

  /** Split the command into words first, with each expression held by a placeholder, then fill the words in. */
  argv(stage: string, cmd: string): string[] {
    const found = this.scan(stage, cmd);
    let template = '';
    let at = 0;
    found.forEach((e, i) => {
      template += cmd.slice(at, e.span.start) + HOLE_OPEN + i + HOLE_CLOSE;
      at = e.span.end;
    });
    template += cmd.slice(at);
    const words = splitCommandLine(template).map((w) => w.replace(HOLE, (_, i: string) => asText(this.value(stage, found[Number(i)].segments, 0))));
    if (words.length === 0) this.fail(stage, '`cmd` is empty');
    return words;
  }

  path(stage: string, p: string): string {
    const resolved = this.text(stage, p);
    const normal = normalizePath(resolved);
    if (normal === undefined || normal.startsWith('../') || normal === '..' || resolved.startsWith('/')) {
      this.fail(stage, `'${resolved}' is not a path inside the workspace`);
    }
    return normal;
  }
}

const sortedRefs = (values: string[]): string[] => [...new Set(values.filter(isStoreRef))].sort();

/** Every string inside a substituted `with:` value. */
function strings(value: unknown, out: string[]): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) strings(v, out);
  return out;
}

/** Substitute a stage's expressions. Throws LatheError('invalid-pipeline') for what validation would have reported. */
export function resolveStage(model: PipelineModel, stage: StageModel): ResolvedStage {
  const r = new Resolver(model);
  const name = stage.name;
  const params: Record<string, ParamValue> = {};
  for (const p of [...paramsUsedBy(model, name)].sort()) {
    const def = model.params.get(p);
    if (!def) throw new LatheError('invalid-pipeline', `stage '${name}' uses the unknown param '${p}'`, { file: model.file.uri, hint: 'define it under `params:`' });
    params[p] = def.value as ParamValue;
  }
  const env = Object.fromEntries(Object.entries(stage.env).map(([k, v]) => [k, r.text(name, v)]));
  // a dep may be a store reference instead of a path: the stage then depends on what it resolves to
  const deps = stage.deps.map((d) => r.text(name, d.value));
  const common = {
    name,
    deps: stage.deps.filter((_, i) => !isStoreRef(deps[i])).map((d) => r.path(name, d.value)),
    outs: stage.outs.map((o) => r.path(name, o.value)),
    params,
    cwd: stage.cwd ? r.path(name, stage.cwd.value) : undefined,
    env,
  };
  if (stage.uses) {
    const args = r.argument(name, stage.with?.toJSON() ?? {}) as Record<string, unknown>;
    return { ...common, refs: sortedRefs([...deps, ...strings(args, [])]), uses: stage.uses.value, with: args, command: `uses ${stage.uses.value} ${stableStringify(args, 0).trimEnd()}` };
  }
  if (!stage.cmd) throw new LatheError('invalid-pipeline', `stage '${name}' has neither cmd nor uses`, { file: model.file.uri, hint: 'add `cmd:` or `uses:`' });
  const argv = r.argv(name, stage.cmd.value);
  return { ...common, refs: sortedRefs([...deps, ...argv]), argv, command: argv.map(quoteWord).join(' ') };
}
