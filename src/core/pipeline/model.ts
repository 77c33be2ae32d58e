import { isScalar, type Node, type Pair, type Scalar, type YAMLMap } from 'yaml';
import type { PipelineDiagnostic } from './diagnostics';
import { scanExpressions, type Expression } from './expressions';
import { entries, getPair, isMap, isSeq, isStringScalar, keySpan, nodeSpan, stringList, type ParsedYaml } from './parse';
import { BUILTIN_STAGES } from './schema';
import type { Span } from './text';

/** A string value with its exact source span. */
export interface StringItem {
  value: string;
  span: Span;
}

export interface Named {
  name: string;
  /** The span of the defining key. */
  key: Span;
  node?: YAMLMap;
}

export interface StageModel extends Named {
  cmd?: StringItem;
  uses?: StringItem;
  with?: YAMLMap;
  /** `deps`, and for a built-in stage the files its `with:` arguments read. */
  deps: StringItem[];
  /** `outs`, and for a built-in stage its `with: { output }`. */
  outs: StringItem[];
  metrics: StringItem[];
  params: StringItem[];
  needs: StringItem[];
  cwd?: StringItem;
  env: Record<string, string>;
  description?: string;
}

export interface SweepParam extends Named {
  distribution?: string;
}

export interface SweepModel extends Named {
  stage?: StringItem;
  parameters: SweepParam[];
}

export interface ParamDef extends Named {
  value: unknown;
  /** The file defining it: the pipeline itself, or the params file. */
  uri: string;
}

export interface EntityDef extends Named {
  path?: StringItem;
}

/** An expression with where it appears: its YAML path (e.g. ['stages', 'train', 'cmd']). */
export interface LocatedExpression extends Expression {
  path: (string | number)[];
}

/** The pipeline as data, with source spans for everything a diagnostic or a navigation may point at. */
export interface PipelineModel {
  file: ParsedYaml;
  params: Map<string, ParamDef>;
  paramsFile?: StringItem;
  datasets: Map<string, EntityDef>;
  models: Map<string, EntityDef>;
  stages: Map<string, StageModel>;
  sweeps: Map<string, SweepModel>;
  expressions: LocatedExpression[];
}

/**
 * What analysis derives from one stage's source alone. Incremental analysis keeps it with the stage's parsed block
 * and fills it on first use, so an edit re-derives only the stage it touched.
 */
export interface StageWork {
  model?: StageModel;
  expressions?: LocatedExpression[];
  /** Its schema diagnostics (checkSchema). */
  schema?: PipelineDiagnostic[];
  /** Its values that look like store references (checkStoreRefs). */
  refs?: Scalar<string>[];
}

const item = (node: Scalar<string>): StringItem => ({ value: node.value, span: nodeSpan(node) });
const stringItem = (node: unknown): StringItem | undefined => (isStringScalar(node) ? item(node) : undefined);

/** Named children of a top-level section, first definition wins (duplicates are a diagnostic). */
function section<T extends Named>(root: unknown, key: string, make: (named: Named, pair: Pair<Node, Node | null>) => T): Map<string, T> {
  const out = new Map<string, T>();
  for (const { name, pair } of entries(getPair(root, key)?.value)) {
    if (out.has(name)) continue;
    const node = isMap(pair.value) ? (pair.value as YAMLMap) : undefined;
    out.set(name, make({ name, key: keySpan(pair), node }, pair));
  }
  return out;
}

/** The files a built-in stage reads (model/dataset paths, not store references) and writes (`output`), from its `with:`. */
function builtinFiles(uses: StringItem | undefined, args: YAMLMap | undefined): { deps: StringItem[]; outs: StringItem[] } {
  const schema = uses ? BUILTIN_STAGES[uses.value] : undefined;
  const files = { deps: [] as StringItem[], outs: [] as StringItem[] };
  if (!schema) return files;
  for (const { name, pair } of entries(args)) {
    const arg = schema.properties[name];
    if (arg?.kind !== 'string' || !isStringScalar(pair.value)) continue;
    if (arg.ref === 'output') files.outs.push(item(pair.value));
    else if ((arg.ref === 'model' || arg.ref === 'dataset') && !/^(model|dataset):/.test(pair.value.value)) files.deps.push(item(pair.value));
  }
  return files;
}

function stage(named: Named): StageModel {
  // one pass over the stage's keys (first definition wins, like getPair): stages are many, keys are few
  const fields = new Map<string, Node | null>();
  for (const { name, pair } of entries(named.node)) if (!fields.has(name)) fields.set(name, pair.value);
  const field = (k: string) => fields.get(k);
  const env: Record<string, string> = {};
  for (const { name, pair } of entries(field('env'))) if (isScalar(pair.value) && pair.value.value !== null) env[name] = String(pair.value.value);
  const withNode = isMap(field('with')) ? (field('with') as YAMLMap) : undefined;
  const uses = stringItem(field('uses'));
  const builtin = builtinFiles(uses, withNode);
  const description = field('description');
  return {
    ...named,
    cmd: stringItem(field('cmd')),
    uses,
    with: withNode,
    deps: [...stringList(field('deps')).map(item), ...builtin.deps],
    outs: [...stringList(field('outs')).map(item), ...builtin.outs],
    metrics: stringList(field('metrics')).map(item),
    params: isSeq(field('params')) ? stringList(field('params')).map(item) : [],
    needs: stringList(field('needs')).map(item),
    cwd: stringItem(field('cwd')),
    env,
    description: isStringScalar(description) ? description.value : undefined,
  };
}

function sweep(named: Named): SweepModel {
  const parameters = [...section(named.node, 'parameters', (p) => {
    const d = getPair(p.node, 'distribution')?.value;
    return { ...p, distribution: isStringScalar(d) ? d.value : undefined };
  }).values()];
  return { ...named, stage: stringItem(getPair(named.node, 'stage')?.value), parameters };
}

/** Params defined in a map (inline `params:` or a params file's top level). */
export function paramsOf(file: ParsedYaml, mapNode: unknown): Map<string, ParamDef> {
  const out = new Map<string, ParamDef>();
  for (const { name, pair } of entries(mapNode)) {
    if (out.has(name)) continue;
    const value = pair.value && 'toJSON' in pair.value ? (pair.value as { toJSON(): unknown }).toJSON() : null;
    out.set(name, { name, key: keySpan(pair), value, uri: file.uri });
  }
  return out;
}

function collectExpressions(file: ParsedYaml, node: unknown, path: (string | number)[], out: LocatedExpression[]): void {
  if (isMap(node)) {
    const inStages = path.length === 1 && path[0] === 'stages';
    for (const { name, pair } of entries(node)) {
      const work = inStages ? file.stageWork?.(pair) : undefined;
      if (work) {
        work.expressions ??= pairExpressions(file, pair, [...path, name]);
        for (const e of work.expressions) out.push(e);
        continue;
      }
      collectExpressions(file, pair.key, [...path, name, '#key'], out);
      collectExpressions(file, pair.value, [...path, name], out);
    }
  } else if (isSeq(node)) {
    node.items.forEach((child, i) => collectExpressions(file, child, [...path, i], out));
  } else if (isStringScalar(node)) {
    const span = nodeSpan(node);
    if (node.value.includes('${{')) for (const e of scanExpressions(file.text.slice(span.start, span.end), span.start)) out.push({ ...e, path });
  }
}

function pairExpressions(file: ParsedYaml, pair: Pair, path: (string | number)[]): LocatedExpression[] {
  const out: LocatedExpression[] = [];
  collectExpressions(file, pair.key, [...path, '#key'], out);
  collectExpressions(file, pair.value, path, out);
  return out;
}

/** Build the model of a parsed pipeline; `paramsFile` is the parsed params file when `params:` names one. */
export function buildModel(file: ParsedYaml, paramsFile?: ParsedYaml): PipelineModel {
  const root = file.doc.contents;
  const paramsNode = getPair(root, 'params')?.value;
  const paramsPath = stringItem(paramsNode);
  const params = paramsPath ? (paramsFile ? paramsOf(paramsFile, paramsFile.doc.contents) : new Map()) : paramsOf(file, paramsNode);
  const entity = (named: Named): EntityDef => ({ ...named, path: stringItem(getPair(named.node, 'path')?.value) });
  const expressions: LocatedExpression[] = [];
  collectExpressions(file, root, [], expressions);
  return {
    file,
    params,
    paramsFile: paramsPath,
    datasets: section(root, 'datasets', entity),
    models: section(root, 'models', entity),
    stages: section(root, 'stages', (named, pair) => {
      const work = file.stageWork?.(pair);
      return work ? (work.model ??= stage(named)) : stage(named);
    }),
    sweeps: section(root, 'sweeps', sweep),
    expressions,
  };
}

/** The params a stage uses: those listed in its `params:` and those its `${{ params.NAME }}` expressions read. */
export function paramsUsedBy(model: PipelineModel, stage: string): Set<string> {
  const used = new Set(model.stages.get(stage)?.params.map((p) => p.value) ?? []);
  for (const name of expressionParams(model).get(stage) ?? []) used.add(name);
  return used;
}

// sweeps ask this once per parameter: index the expressions once per model instead of scanning them every time
const expressionParamsCache = new WeakMap<PipelineModel, Map<string, string[]>>();

function expressionParams(model: PipelineModel): Map<string, string[]> {
  let byStage = expressionParamsCache.get(model);
  if (byStage) return byStage;
  byStage = new Map();
  for (const e of model.expressions) {
    const [root, name] = e.segments;
    if (e.path[0] !== 'stages' || typeof e.path[1] !== 'string' || root?.value !== 'params' || typeof name?.value !== 'string') continue;
    const list = byStage.get(e.path[1]) ?? [];
    list.push(name.value);
    byStage.set(e.path[1], list);
  }
  expressionParamsCache.set(model, byStage);
  return byStage;
}
