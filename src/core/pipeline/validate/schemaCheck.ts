import { isAlias, isMap, isScalar, isSeq, type Node, type YAMLMap } from 'yaml';
import { diag, type DiagnosticCode, type Fix, type PipelineDiagnostic } from '../diagnostics';
import type { PipelineModel } from '../model';
import { entries, keySpan, nodeSpan, type ParsedYaml } from '../parse';
import { BUILTIN_STAGES, describeType, PIPELINE_SCHEMA, STAGE_SCHEMA, type ObjectSchema, type SchemaNode } from '../schema';
import { didYouMean } from '../suggest';
import type { Span } from '../text';

interface Ctx {
  file: ParsedYaml;
  out: PipelineDiagnostic[];
}

/** Where a value sits: its key (for messages and for diagnostics about the whole value). */
interface Owner {
  label: string;
  key: Span;
}

function kindOf(node: Node | null | undefined): string {
  if (!node || (isScalar(node) && node.value === null)) return 'empty';
  if (isMap(node)) return 'a map';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const v = node.value;
    if (typeof v === 'number') return Number.isInteger(v) ? 'an integer' : 'a number';
    if (typeof v === 'boolean') return 'a boolean';
    return 'a string';
  }
  return 'an alias';
}

function matches(node: Node | null | undefined, schema: SchemaNode): boolean {
  const kind = kindOf(node);
  switch (schema.kind) {
    case 'object':
    case 'map':
      return kind === 'a map';
    case 'array':
      return kind === 'a list';
    case 'string':
      return kind === 'a string';
    case 'number':
      return kind === 'an integer' || (kind === 'a number' && !schema.integer);
    case 'boolean':
      return kind === 'a boolean';
    case 'union':
      return schema.options.some((o) => matches(node, o));
    case 'any':
      return true;
  }
}

/** A YAML value to insert for a newly added key: an object gets its own required keys. */
function placeholder(schema: SchemaNode): string {
  switch (schema.kind) {
    case 'string':
      return schema.enum ? schema.enum[0] : "''";
    case 'number':
      return String(schema.enum?.[0] ?? schema.minimum ?? 1);
    case 'boolean':
      return 'false';
    case 'array':
      return '[]';
    case 'union':
      return placeholder(schema.options[0]);
    case 'object': {
      const required = schema.required ?? [];
      return required.length ? `{ ${required.map((r) => `${r}: ${placeholder(schema.properties[r])}`).join(', ')} }` : '{}';
    }
    default:
      return '{}';
  }
}

/** An edit appending `key: value` to a map (block or flow), or undefined when the map has no place for it. */
export function addKeyEdit(file: ParsedYaml, map: YAMLMap | undefined, key: string, value: string): Fix['edits'][number] | undefined {
  if (!map?.range) return undefined;
  const last = map.items[map.items.length - 1];
  const lastEnd = last ? ((last.value as Node | null)?.range?.[1] ?? (last.key as Node | null)?.range?.[1]) : undefined;
  if (map.flow) {
    if (lastEnd === undefined) {
      const open = file.text.indexOf('{', map.range[0]);
      return open < 0 ? undefined : { span: { start: open + 1, end: open + 1 }, newText: ` ${key}: ${value} ` };
    }
    return { span: { start: lastEnd, end: lastEnd }, newText: `, ${key}: ${value}` };
  }
  const first = map.items[0];
  if (!first?.key || lastEnd === undefined) return undefined;
  const at = keySpan(first as never).start;
  const pos = file.lines.positionAt(at);
  const lineStart = file.lines.lineStart(pos.line);
  if (file.text.slice(lineStart, at).trim() !== '') return undefined; // e.g. `- key:` in a sequence
  let end = lastEnd;
  while (end > at && /\s/.test(file.text[end - 1])) end--;
  const insertAt = file.lines.lineEnd(file.lines.positionAt(end).line);
  return { span: { start: insertAt, end: insertAt }, newText: `\n${' '.repeat(pos.character)}${key}: ${value}` };
}

function checkEnum(ctx: Ctx, node: Node, values: readonly (string | number)[], owner: Owner, code: DiagnosticCode = 'invalid-value'): void {
  const v = (node as { value: unknown }).value as string | number;
  if (values.includes(v)) return;
  const span = nodeSpan(node);
  const ranked = [...didYouMean(String(v), values.map(String), values.length), ...values.map(String)];
  const fixes: Fix[] = [...new Set(ranked)].map((value, i) => ({ title: `Change to '${value}'`, edits: [{ span, newText: value }], preferred: i === 0 && ranked.length > values.length }));
  const expected = values.map((x) => `'${x}'`).join(', ');
  const message = code === 'unknown-builtin' ? `unknown built-in stage '${v}': expected one of ${expected}` : `invalid value '${v}' for ${owner.label}: expected one of ${expected}`;
  ctx.out.push(diag(code, span, message, fixes));
}

function checkNumber(ctx: Ctx, node: Node, schema: Extract<SchemaNode, { kind: 'number' }>, owner: Owner): void {
  const v = (node as { value: number }).value;
  if (schema.enum) return checkEnum(ctx, node, schema.enum, owner);
  const span = nodeSpan(node);
  const fail = (bound: string) => ctx.out.push(diag('out-of-range', span, `${owner.label} must be ${bound}, got ${v}`));
  if (schema.minimum !== undefined && v < schema.minimum) fail(`≥ ${schema.minimum}`);
  else if (schema.exclusiveMinimum !== undefined && v <= schema.exclusiveMinimum) fail(`> ${schema.exclusiveMinimum}`);
  else if (schema.maximum !== undefined && v > schema.maximum) fail(`≤ ${schema.maximum}`);
  else if (schema.exclusiveMaximum !== undefined && v >= schema.exclusiveMaximum) fail(`< ${schema.exclusiveMaximum}`);
}

function checkObject(ctx: Ctx, map: YAMLMap, schema: ObjectSchema | Extract<SchemaNode, { kind: 'map' }>, owner: Owner): void {
  const seen = new Set<string>();
  for (const { name, pair } of entries(map)) {
    const key = keySpan(pair);
    if (seen.has(name)) {
      ctx.out.push(diag('duplicate-key', key, `duplicate key '${name}' in ${owner.label}`));
      continue;
    }
    seen.add(name);
    const label = owner.label === 'the pipeline' ? `'${name}'` : `'${name}' in ${owner.label}`;
    if (schema.kind === 'map') {
      const work = schema === PIPELINE_SCHEMA.properties.stages ? ctx.file.stageWork?.(pair) : undefined;
      if (!work) check(ctx, pair.value, schema.values, { label: `'${name}'`, key });
      else {
        // a stage's schema diagnostics depend on its own source only: kept with it across versions
        work.schema ??= checked(ctx, (c) => check(c, pair.value, schema.values, { label: `'${name}'`, key }));
        for (const d of work.schema) ctx.out.push(d);
      }
      continue;
    }
    const child = schema.properties[name];
    if (!child) {
      const known = Object.keys(schema.properties).filter((k) => !seen.has(k) || k === name);
      const suggestions = didYouMean(name, known);
      const fixes = suggestions.map((s, i) => ({ title: `Change to '${s}'`, edits: [{ span: key, newText: s }], preferred: i === 0 }));
      const hint = suggestions.length ? `; did you mean '${suggestions[0]}'?` : `; expected one of ${Object.keys(schema.properties).join(', ')}`;
      ctx.out.push(diag('unknown-key', key, `unknown key '${name}' in ${owner.label}${hint}`, fixes));
      continue;
    }
    // `with:` is checked by checkStage against the schema of the built-in that `uses:` names
    if (schema !== STAGE_SCHEMA || name !== 'with') check(ctx, pair.value, child, { label, key });
  }
  if (schema.kind === 'object') {
    for (const req of schema.required ?? []) {
      if (seen.has(req)) continue;
      const edit = addKeyEdit(ctx.file, map, req, placeholder(schema.properties[req]));
      ctx.out.push(diag('missing-required', owner.key, `${owner.label} is missing required key '${req}'`, edit ? [{ title: `Add '${req}'`, edits: [edit], preferred: true }] : []));
    }
  }
}

function checked(ctx: Ctx, run: (c: Ctx) => void): PipelineDiagnostic[] {
  const out: PipelineDiagnostic[] = [];
  run({ ...ctx, out });
  return out;
}

function check(ctx: Ctx, node: Node | null | undefined, schema: SchemaNode, owner: Owner): void {
  if (isAlias(node)) return;
  if (!matches(node, schema)) {
    const span = node && node.range && node.range[1] > node.range[0] ? nodeSpan(node) : owner.key;
    const got = kindOf(node);
    ctx.out.push(diag('wrong-type', span, `${owner.label} must be ${describeType(schema)}${got === 'empty' ? ', but it is empty' : `, got ${got}`}`));
    return;
  }
  switch (schema.kind) {
    case 'object':
    case 'map':
      checkObject(ctx, node as YAMLMap, schema, owner);
      if (schema === STAGE_SCHEMA) checkStage(ctx, node as YAMLMap, owner);
      return;
    case 'array': {
      const items = (node as { items: Node[] }).items;
      if (schema.minItems && items.length < schema.minItems) ctx.out.push(diag('invalid-value', nodeSpan(node), `${owner.label} must not be empty`));
      items.forEach((item, i) => check(ctx, item, schema.items, { label: `item ${i + 1} of ${owner.label}`, key: nodeSpan(item) }));
      return;
    }
    case 'string':
      if (schema.enum && schema !== STAGE_SCHEMA.properties.uses) checkEnum(ctx, node as Node, schema.enum, owner);
      return;
    case 'number':
      return checkNumber(ctx, node as Node, schema, owner);
    case 'union':
      return check(ctx, node, schema.options.find((o) => matches(node, o))!, owner);
    default:
      return;
  }
}

/** Rules of a stage that the generic schema walk cannot express: cmd xor uses, `with:` checked by the built-in's schema. */
function checkStage(ctx: Ctx, stage: YAMLMap, owner: Owner): void {
  const fields = new Map(entries(stage).map((e) => [e.name, e.pair]));
  const cmd = fields.get('cmd');
  const uses = fields.get('uses');
  const withPair = fields.get('with');
  if (!cmd && !uses) {
    const fixes = (['cmd', 'uses'] as const).flatMap((k) => {
      const edit = addKeyEdit(ctx.file, stage, k, k === 'cmd' ? "''" : 'evaluate');
      return edit ? [{ title: `Add '${k}'`, edits: [edit], preferred: k === 'cmd' }] : [];
    });
    ctx.out.push(diag('missing-required', owner.key, `stage ${owner.label} needs 'cmd' (a command) or 'uses' (a built-in stage)`, fixes));
  }
  if (cmd && uses) ctx.out.push(diag('cmd-and-uses', keySpan(uses), `stage ${owner.label} has both 'cmd' and 'uses': keep one`));
  if (withPair && !uses) ctx.out.push(diag('with-without-uses', keySpan(withPair), `'with' in stage ${owner.label} only applies to a built-in stage ('uses')`));
  if (!uses || !isScalar(uses.value) || typeof uses.value.value !== 'string') {
    if (withPair) check(ctx, withPair.value, STAGE_SCHEMA.properties.with, { label: `'with' in ${owner.label}`, key: keySpan(withPair) });
    return;
  }
  const name = uses.value.value;
  const builtin = BUILTIN_STAGES[name];
  if (!builtin) checkEnum(ctx, uses.value, Object.keys(BUILTIN_STAGES), owner, 'unknown-builtin');
  if (withPair) return check(ctx, withPair.value, builtin ?? STAGE_SCHEMA.properties.with, { label: builtin ? `'with' of built-in '${name}'` : `'with' in ${owner.label}`, key: keySpan(withPair) });
  if (!builtin) return;
  if (builtin.required?.length) {
    const value = `{ ${builtin.required.map((r) => `${r}: ${placeholder(builtin.properties[r])}`).join(', ')} }`;
    const edit = addKeyEdit(ctx.file, stage, 'with', value);
    ctx.out.push(diag('missing-required', keySpan(uses), `built-in '${name}' needs 'with' arguments: ${builtin.required.join(', ')}`, edit ? [{ title: "Add 'with'", edits: [edit], preferred: true }] : []));
  }
}

/** Validate the pipeline against PIPELINE_SCHEMA (keys, types, enums, ranges, required keys, built-in arguments). */
export function checkSchema(model: PipelineModel, out: PipelineDiagnostic[]): void {
  const root = model.file.doc.contents;
  const start = { start: 0, end: model.file.lines.lineEnd(0) };
  check({ file: model.file, out }, root, PIPELINE_SCHEMA, { label: 'the pipeline', key: start });
}

/** A params file must be a map (of param names). */
export function checkParamsFileShape(file: ParsedYaml): string | undefined {
  const root = file.doc.contents;
  return root && !isMap(root) ? `params file ${file.uri} must be a map of param names to values, got ${kindOf(root)}` : undefined;
}
