import * as path from 'node:path';
import type { PipelineModel, StageModel } from './model';
import type { Span } from './text';

/** `to` depends on `from`; `span` is the entry in `to` that creates the edge (a `needs` item, a dep, an expression). */
export interface DagEdge {
  from: string;
  to: string;
  kind: 'needs' | 'path' | 'expression';
  span: Span;
}

export interface Dag {
  stages: string[];
  edges: DagEdge[];
}

/** A workspace-relative path in one spelling (`./a/b/` → `a/b`); undefined for paths holding expressions. */
export function normalizePath(p: string): string | undefined {
  let n = normalized.get(p);
  if (n !== undefined || normalized.has(p)) return n;
  if (!p.includes('${{')) {
    n = path.posix.normalize(p.replace(/\\/g, '/')).replace(/\/+$/, '');
    n = n === '.' ? '' : n.replace(/^\.\//, '');
  }
  // every validation normalizes every dep and out several times; the same few thousand paths come back each edit
  if (normalized.size >= 100_000) normalized.clear();
  normalized.set(p, n);
  return n;
}

const normalized = new Map<string, string | undefined>();

/** Whether `inner` is `outer` or lies inside the folder `outer`. */
export function within(inner: string, outer: string): boolean {
  return inner === outer || outer === '' || inner.startsWith(outer + '/');
}

const outputIndexes = new WeakMap<PipelineModel, OutputIndex>();

/** The last index built, by the outputs it indexes: an edit rarely changes any output, so the next version reuses it. */
let lastIndex: { key: string[]; index: OutputIndex } | undefined;

/** Every stage's name and outputs, in order (a stage's list ends with ''): models with equal keys have equal indexes. */
function outputsKey(model: PipelineModel): string[] {
  const key: string[] = [];
  for (const stage of model.stages.values()) {
    key.push(stage.name);
    for (const out of stage.outs) key.push(out.value);
    key.push('');
  }
  return key;
}

/** Whether `key` is the outputs key of `model`, without building the model's key (this runs on every keystroke). */
function hasOutputsKey(model: PipelineModel, key: string[]): boolean {
  let i = 0;
  for (const stage of model.stages.values()) {
    if (key[i++] !== stage.name) return false;
    for (const out of stage.outs) if (key[i++] !== out.value) return false;
    if (key[i++] !== '') return false;
  }
  return i === key.length;
}

/** An output of a stage; its span is `stage.outs[at].span` of the model at hand (an index outlives its model). */
export interface Producer {
  stage: string;
  at: number;
  path: string;
}

/** An output conflicting with others: written by other stages too, or lying inside another output. */
export interface OutputConflict {
  producer: Producer;
  /** Other stages writing the same path. */
  alsoBy: string[];
  /** An output folder it lies in. */
  inside?: Producer;
}

/** Every stage output by normalized path, for lookups in O(depth + matches) instead of scanning all stages. */
export class OutputIndex {
  private readonly byPath = new Map<string, Producer[]>();
  /** producersOf by dep: the DAG and the missing-deps check both ask for every dep. */
  private readonly producers = new Map<string, Producer[]>();
  private readonly sorted: string[];
  private conflictList?: OutputConflict[];

  /** The index of a model, built once (or taken over from the previous version): the DAG and several checks need it. */
  static of(model: PipelineModel): OutputIndex {
    let index = outputIndexes.get(model);
    if (index) return index;
    if (lastIndex && hasOutputsKey(model, lastIndex.key)) index = lastIndex.index;
    else lastIndex = { key: outputsKey(model), index: (index = new OutputIndex(model)) };
    outputIndexes.set(model, index);
    return index;
  }

  constructor(model: PipelineModel) {
    for (const stage of model.stages.values()) {
      stage.outs.forEach((out, at) => {
        const p = normalizePath(out.value);
        if (p === undefined) return;
        const list = this.byPath.get(p) ?? [];
        list.push({ stage: stage.name, at, path: p });
        this.byPath.set(p, list);
      });
    }
    this.sorted = [...this.byPath.keys()].sort();
  }

  /** Outputs written by two stages, and outputs inside another output, in index order. */
  conflicts(): OutputConflict[] {
    if (this.conflictList) return this.conflictList;
    const found: OutputConflict[] = [];
    for (const producers of this.byPath.values()) {
      const stages = [...new Set(producers.map((p) => p.stage))];
      for (const p of producers) {
        const alsoBy = stages.filter((s) => s !== p.stage);
        const inside = this.containing(p.path).find((o) => o.path !== p.path);
        if (alsoBy.length || inside) found.push({ producer: p, alsoBy, inside });
      }
    }
    return (this.conflictList = found);
  }

  /** Outputs equal to `p` or folders containing it. */
  containing(p: string): Producer[] {
    const found: Producer[] = [...(this.byPath.get('') ?? [])];
    for (let end = p.indexOf('/'); ; end = p.indexOf('/', end + 1)) {
      const hit = this.byPath.get(end < 0 ? p : p.slice(0, end));
      if (hit) found.push(...hit);
      if (end < 0) return found;
    }
  }

  /** Outputs strictly inside the folder `p`. */
  inside(p: string): Producer[] {
    const prefix = p === '' ? '' : p + '/';
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.sorted[mid] < prefix) lo = mid + 1;
      else hi = mid;
    }
    const found: Producer[] = [];
    for (let i = lo; i < this.sorted.length && this.sorted[i].startsWith(prefix); i++) if (this.sorted[i] !== p) found.push(...this.byPath.get(this.sorted[i])!);
    return found;
  }

  /** Stages whose outputs a dep reads: the dep lies in an output, or an output lies in the dep folder. */
  producersOf(dep: string): Producer[] {
    let found = this.producers.get(dep);
    if (!found) {
      const d = normalizePath(dep);
      found = d === undefined ? [] : [...this.containing(d), ...this.inside(d)];
      this.producers.set(dep, found);
    }
    return found;
  }
}

/** Adds `e` unless it is a self-edge, names no stage, or its stage already has an edge from `e.from` (in `from`). */
function addEdge(model: PipelineModel, edges: DagEdge[], from: string[], e: DagEdge): void {
  if (e.from === e.to || from.includes(e.from) || !model.stages.has(e.from)) return;
  from.push(e.from);
  edges.push(e);
}

/** The DAG of stages: explicit `needs`, deps produced by another stage's outs, and `${{ stages.X... }}` references. */
export function buildDag(model: PipelineModel): Dag {
  const edges: DagEdge[] = [];
  const outputs = OutputIndex.of(model);
  const byExpression = new Map<string, DagEdge[]>();
  for (const e of model.expressions) {
    const [root, name] = e.segments;
    if (e.path[0] === 'stages' && typeof e.path[1] === 'string' && root?.value === 'stages' && typeof name?.value === 'string') {
      const list = byExpression.get(e.path[1]) ?? [];
      list.push({ from: name.value, to: e.path[1], kind: 'expression', span: e.span });
      byExpression.set(e.path[1], list);
    }
  }
  for (const stage of model.stages.values()) {
    // the first edge from each stage is kept; a stage has few, so a list beats a set
    const from: string[] = [];
    for (const need of stage.needs) addEdge(model, edges, from, { from: need.value, to: stage.name, kind: 'needs', span: need.span });
    for (const dep of stage.deps) for (const p of outputs.producersOf(dep.value)) addEdge(model, edges, from, { from: p.stage, to: stage.name, kind: 'path', span: dep.span });
    for (const e of byExpression.get(stage.name) ?? []) addEdge(model, edges, from, e);
  }
  return { stages: [...model.stages.keys()], edges };
}

/** A stage's deps and outs normalized (normalizePath), computed once per stage model: unchanged stages keep theirs. */
export function stagePaths(stage: StageModel): { deps: (string | undefined)[]; outs: (string | undefined)[] } {
  let paths = stagePathCache.get(stage);
  if (!paths) stagePathCache.set(stage, (paths = { deps: stage.deps.map((d) => normalizePath(d.value)), outs: stage.outs.map((o) => normalizePath(o.value)) }));
  return paths;
}

const stagePathCache = new WeakMap<StageModel, { deps: (string | undefined)[]; outs: (string | undefined)[] }>();

/** Strongly connected components (Tarjan, iterative: pipelines can be thousands of stages deep). Maps stage → component id. */
function components(stages: string[], needs: Map<string, string[]>): Map<string, number> {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const comp = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  let counter = 0;
  let compCount = 0;
  for (const root of stages) {
    if (index.has(root)) continue;
    const work: { v: string; i: number }[] = [{ v: root, i: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length) {
      const top = work[work.length - 1];
      const next = needs.get(top.v) ?? [];
      if (top.i < next.length) {
        const w = next[top.i++];
        if (!index.has(w)) {
          index.set(w, counter);
          low.set(w, counter++);
          stack.push(w);
          onStack.add(w);
          work.push({ v: w, i: 0 });
        } else if (onStack.has(w)) low.set(top.v, Math.min(low.get(top.v)!, index.get(w)!));
        continue;
      }
      work.pop();
      if (work.length) low.set(work[work.length - 1].v, Math.min(low.get(work[work.length - 1].v)!, low.get(top.v)!));
      if (low.get(top.v) === index.get(top.v)) {
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          comp.set(w, compCount);
        } while (w !== top.v);
        compCount++;
      }
    }
  }
  return comp;
}

function needsMap(dag: Dag): Map<string, string[]> {
  const needs = new Map<string, string[]>(dag.stages.map((s) => [s, []]));
  for (const e of dag.edges) needs.get(e.to)?.push(e.from);
  return needs;
}

/** Each edge lying on a cycle, with the cycle through it as stage names: [to, from, ..., to] (read "to needs from"). */
export function cycleEdges(dag: Dag): { edge: DagEdge; cycle: string[] }[] {
  const needs = needsMap(dag);
  const comp = components(dag.stages, needs);
  const pathBack = (start: string, goal: string): string[] => {
    // shortest path start → ... → goal along "needs" inside the component (BFS), so the message names the tightest cycle
    const prev = new Map<string, string>([[start, start]]);
    const queue = [start];
    for (let i = 0; i < queue.length; i++) {
      const at = queue[i];
      if (at === goal) break;
      for (const next of needs.get(at) ?? []) if (!prev.has(next) && comp.get(next) === comp.get(goal)) (prev.set(next, at), queue.push(next));
    }
    const route = [goal];
    while (route[0] !== start) route.unshift(prev.get(route[0])!);
    return route;
  };
  return dag.edges.filter((e) => comp.get(e.from) === comp.get(e.to)).map((edge) => ({ edge, cycle: [edge.to, ...pathBack(edge.from, edge.to)] }));
}

/** Stages in dependency order (Kahn); stages on or behind cycles are left out and returned separately. */
export function topologicalOrder(dag: Dag): { order: string[]; cyclic: string[] } {
  const indegree = new Map(dag.stages.map((s) => [s, 0]));
  const dependents = new Map<string, string[]>(dag.stages.map((s) => [s, []]));
  for (const e of dag.edges) {
    indegree.set(e.to, (indegree.get(e.to) ?? 0) + 1);
    dependents.get(e.from)?.push(e.to);
  }
  const order = dag.stages.filter((s) => indegree.get(s) === 0);
  for (let i = 0; i < order.length; i++) {
    for (const next of dependents.get(order[i]) ?? []) {
      const left = indegree.get(next)! - 1;
      indegree.set(next, left);
      if (left === 0) order.push(next);
    }
  }
  const placed = new Set(order);
  return { order, cyclic: dag.stages.filter((s) => !placed.has(s)) };
}
