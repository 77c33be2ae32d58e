import { isMap, isPair, isScalar, isSeq, type Pair, type Scalar } from 'yaml';
import { OutputIndex, stagePaths } from '../dag';
import { diag, type Fix, type PipelineDiagnostic } from '../diagnostics';
import type { PipelineModel } from '../model';
import { nodeSpan } from '../parse';
import { isStoreRef, parseStoreRef, versionNumber } from '../refs';
import type { StoreSnapshot } from '../store';
import { didYouMean } from '../suggest';
import type { Span } from '../text';

const changeTo = (span: Span, candidates: string[]): Fix[] => candidates.map((s, i) => ({ title: `Change to '${s}'`, edits: [{ span, newText: s }], preferred: i === 0 }));

/** Offset of a scalar's value text in the source: after an opening quote; undefined when escapes make offsets differ. */
function valueStart(text: string, node: Scalar<string>): number | undefined {
  const span = nodeSpan(node);
  const start = text[span.start] === '"' || text[span.start] === "'" ? span.start + 1 : span.start;
  return text.startsWith(node.value, start) ? start : undefined;
}

const REF_START = /^(dataset|model):/;

/** String values (not map keys: those are names) that start like a store reference, in source order. */
function collectRefs(node: unknown, out: Scalar<string>[]): void {
  if (isMap(node)) {
    for (const pair of node.items) if (isPair(pair)) collectPairRefs(pair, out);
  } else if (isSeq(node)) {
    for (const item of node.items) collectRefs(item, out);
  } else if (isScalar(node) && typeof node.value === 'string' && REF_START.test(node.value)) out.push(node as Scalar<string>);
}

function collectPairRefs(pair: Pair, out: Scalar<string>[]): void {
  if (!isScalar(pair.key)) collectRefs(pair.key, out);
  collectRefs(pair.value, out);
}

/** The reference-like values of a pipeline; a stage's are kept with its incremental work, when there is some. */
function storeRefValues(model: PipelineModel): Scalar<string>[] {
  const root = model.file.doc.contents;
  const out: Scalar<string>[] = [];
  const stageWork = model.file.stageWork;
  if (!isMap(root) || !stageWork) {
    collectRefs(root, out);
    return out;
  }
  for (const pair of root.items) {
    if (!isPair(pair)) continue;
    if (!isScalar(pair.key) || pair.key.value !== 'stages' || !isMap(pair.value)) {
      collectPairRefs(pair, out);
      continue;
    }
    for (const stage of pair.value.items) {
      if (!isPair(stage)) continue;
      const work = stageWork(stage);
      if (!work) {
        collectPairRefs(stage, out);
        continue;
      }
      if (!work.refs) collectPairRefs(stage, (work.refs = []));
      out.push(...work.refs);
    }
  }
  return out;
}

/** `dataset:name@version` and `model:name@alias` references: well formed, and (given a store snapshot) existing. */
export function checkStoreRefs(model: PipelineModel, store: StoreSnapshot | undefined, out: PipelineDiagnostic[]): void {
  const { text } = model.file;
  storeRefValues(model).forEach((node) => {
    const ref = parseStoreRef(node.value);
    if (!ref) return;
    const whole = nodeSpan(node);
    if ('error' in ref) return void out.push(diag('invalid-reference', whole, ref.error));
    if (!store) return;
    const at = valueStart(text, node as Scalar<string>);
    const nameSpan = at === undefined ? whole : { start: at + ref.nameAt, end: at + ref.nameAt + ref.name.length };
    const selectorSpan = at === undefined || ref.selector === undefined ? whole : { start: at + ref.selectorAt, end: at + ref.selectorAt + ref.selector.length };
    const entries = ref.kind === 'dataset' ? store.datasets : store.models;
    const code = ref.kind === 'dataset' ? 'unknown-dataset' : 'unknown-model';
    const where = ref.kind === 'dataset' ? 'the store' : 'the model registry';
    const entry = entries.find((e) => e.name === ref.name);
    if (!entry) return void out.push(diag(code, nameSpan, `${ref.kind} '${ref.name}' is not in ${where}`, changeTo(nameSpan, didYouMean(ref.name, entries.map((e) => e.name)))));
    const aliases = 'aliases' in entry ? (entry as StoreSnapshot['models'][number]).aliases : {};
    const selector = ref.selector ?? 'latest';
    const version = versionNumber(selector);
    const exists = selector === 'latest' ? entry.versions.length > 0 : version !== undefined ? entry.versions.includes(version) : selector in aliases;
    if (exists) return;
    const choices = [...(entry.versions.length ? ['latest'] : []), ...entry.versions.map((v) => `v${v}`), ...Object.keys(aliases)];
    const what = version !== undefined || ref.kind === 'dataset' ? 'version' : 'alias';
    const fixes = changeTo(selectorSpan, [...new Set([...didYouMean(selector, choices), ...(entry.versions.length ? [`v${entry.versions[entry.versions.length - 1]}`] : [])])]);
    out.push(diag(code, selectorSpan, `${ref.kind} '${ref.name}' has no ${what} '${selector}' (it has ${choices.filter((c) => c !== 'latest').join(', ') || 'no versions'})`, fixes));
  });
}

/** Deps (other than store references) that no stage produces and that are missing from the workspace. */
export function checkMissingDeps(model: PipelineModel, fileExists: (relPath: string) => boolean, out: PipelineDiagnostic[]): void {
  const outputs = OutputIndex.of(model);
  for (const stage of model.stages.values()) {
    const paths = stagePaths(stage).deps;
    for (let i = 0; i < stage.deps.length; i++) {
      const dep = stage.deps[i];
      const p = paths[i];
      // a store reference is checked against the store (checkStoreRefs), not the disk
      if (p === undefined || p === '' || outputs.producersOf(dep.value).length || fileExists(p) || isStoreRef(dep.value)) continue;
      out.push(diag('missing-dep', dep.span, `'${dep.value}' (a dep of stage '${stage.name}') does not exist and no stage outputs it`));
    }
  }
}

/** Names in a stage's `params:` list must be params. */
export function checkStageParams(model: PipelineModel, out: PipelineDiagnostic[]): void {
  for (const stage of model.stages.values()) {
    for (const p of stage.params) {
      if (model.params.has(p.value)) continue;
      out.push(diag('unknown-param', p.span, `stage '${stage.name}' lists unknown param '${p.value}'`, changeTo(p.span, didYouMean(p.value, model.params.keys()))));
    }
  }
}

