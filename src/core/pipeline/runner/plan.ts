import { LatheError } from '../../workspace/errors';
import { stableStringify } from '../../workspace/json';
import type { StoreLayout } from '../../workspace/layout';
import { topologicalOrder } from '../dag';
import { didYouMean } from '../suggest';
import { hashPaths } from './hash';
import type { LoadedPipeline } from './load';
import { commandOf, type LockEntry, type LockFile } from './lock';
import { resolveStage, type ResolvedStage } from './resolve';
import { resolveStoreRefs } from './storeRefs';

export interface PlannedStage {
  stage: ResolvedStage;
  /** The selected stages this one waits for. */
  needs: string[];
}

/**
 * The stages to consider, in dependency order: the targets and everything upstream of them (all stages when there
 * are no targets). Unknown targets are a usage error with a suggestion.
 */
export function selectStages(loaded: LoadedPipeline, targets: string[] = []): PlannedStage[] {
  const { model, dag } = loaded.analysis;
  const unknown = targets.filter((t) => !model.stages.has(t));
  if (unknown.length) {
    const guess = didYouMean(unknown[0], model.stages.keys())[0];
    throw new LatheError('usage', `no stage '${unknown[0]}' in ${loaded.file}`, {
      file: loaded.file,
      hint: guess ? `did you mean '${guess}'?` : `stages: ${[...model.stages.keys()].join(', ') || 'none'}`,
    });
  }
  const needs = new Map<string, string[]>(dag.stages.map((s) => [s, []]));
  for (const e of dag.edges) needs.get(e.to)!.push(e.from);
  const selected = new Set<string>(targets.length ? [] : dag.stages);
  const stack = [...targets];
  while (stack.length) {
    const s = stack.pop()!;
    if (selected.has(s)) continue;
    selected.add(s);
    stack.push(...needs.get(s)!);
  }
  return topologicalOrder(dag)
    .order.filter((s) => selected.has(s))
    .map((s) => ({ stage: resolveStage(model, model.stages.get(s)!), needs: [...new Set(needs.get(s)!)].filter((n) => selected.has(n)) }));
}

export interface StageCheck {
  run: boolean;
  /** Why it runs, or 'up to date'. */
  reason: string;
  /** Dep path → content hash, and store reference → what it resolves to (`name@vK hash`); undefined when missing. */
  deps: Record<string, string | undefined>;
}

const same = (a: unknown, b: unknown) => stableStringify(a, 0) === stableStringify(b, 0);

/** `teacher@v3` of a resolved reference `teacher@v3 <hash>`. */
const versionOf = (resolved: string | null) => resolved?.split(' ')[0];

/** Why a recorded dep differs: a file's content, or where a store reference now points. */
function depChange(stage: ResolvedStage, dep: string, now: string | undefined, before: string | null): string {
  const ref = stage.refs.includes(dep);
  if (now === undefined) return ref ? `'${dep}' is not in the store` : `dep '${dep}' is missing`;
  if (!ref) return `dep '${dep}' changed`;
  const was = versionOf(before);
  return was === versionOf(now) ? `'${dep}' (${was}) changed in the store` : `'${dep}' now resolves to ${versionOf(now)}${was ? ` (was ${was})` : ''}`;
}

/** Where a stage's deps are: files under the pipeline's folder, references in the workspace's store. */
export interface StageSources {
  dir: string;
  layout: StoreLayout;
}

/**
 * Whether a stage must run: never run, forced, or its command, used params, deps (file contents, and the versions
 * its store references resolve to) or outs differ from what the lock file recorded. Hashes are taken now, so a stage
 * whose upstream rewrote identical outputs stays skipped.
 */
export async function checkStage(sources: StageSources, stage: ResolvedStage, entry: LockEntry | undefined, force = false): Promise<StageCheck> {
  const deps = { ...(await hashPaths(sources.dir, stage.deps)), ...(await resolveStoreRefs(sources.layout, stage.refs)) };
  const because = (reason: string): StageCheck => ({ run: true, reason, deps });
  if (force) return because('forced');
  if (!entry) return because('never run');
  // params first: a param substituted into the command changes both, and the param is the better reason
  const names = new Set([...Object.keys(stage.params), ...Object.keys(entry.params ?? {})]);
  for (const p of [...names].sort()) {
    if (!same(stage.params[p], entry.params?.[p])) return because(`param '${p}' changed (${JSON.stringify(entry.params?.[p] ?? null)} → ${JSON.stringify(stage.params[p] ?? null)})`);
  }
  if (commandOf(entry) !== commandOf({ cmd: stage.argv, uses: stage.uses, with: stage.with })) return because(stage.uses ? 'its arguments changed' : 'its command changed');
  if (!same(Object.keys(deps).sort(), Object.keys(entry.deps ?? {}).sort())) return because('its deps changed');
  for (const [p, h] of Object.entries(deps)) if ((h ?? null) !== entry.deps[p]) return because(depChange(stage, p, h, entry.deps[p]));
  if (!same(stage.outs.slice().sort(), Object.keys(entry.outs ?? {}).sort())) return because('its outs changed');
  const outs = await hashPaths(sources.dir, stage.outs);
  for (const [p, h] of Object.entries(outs)) if (h !== entry.outs[p]) return because(h ? `out '${p}' was modified` : `out '${p}' is missing`);
  return { run: false, reason: 'up to date', deps };
}

export interface PlanItem {
  stage: string;
  action: 'run' | 'skip';
  reason: string;
  command: string;
}

/** What a run would do, without running anything: a stage below one that will run is expected to run too. */
export async function planPipeline(layout: StoreLayout, loaded: LoadedPipeline, lock: LockFile, options: { targets?: string[]; force?: boolean } = {}): Promise<PlanItem[]> {
  const running = new Set<string>();
  const plan: PlanItem[] = [];
  for (const { stage, needs } of selectStages(loaded, options.targets)) {
    const check = await checkStage({ dir: loaded.dir, layout }, stage, lock.stages[stage.name], options.force);
    const upstream = needs.find((n) => running.has(n));
    const run = check.run || upstream !== undefined;
    if (run) running.add(stage.name);
    plan.push({ stage: stage.name, action: run ? 'run' : 'skip', reason: check.run || !upstream ? check.reason : `upstream stage '${upstream}' will run`, command: stage.command });
  }
  return plan;
}
