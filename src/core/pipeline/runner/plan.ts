import { LatheError } from '../../workspace/errors';
import { stableStringify } from '../../workspace/json';
import { topologicalOrder } from '../dag';
import { didYouMean } from '../suggest';
import { hashPaths } from './hash';
import type { LoadedPipeline } from './load';
import { commandOf, type LockEntry, type LockFile } from './lock';
import { resolveStage, type ResolvedStage } from './resolve';

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
  deps: Record<string, string | undefined>;
}

const same = (a: unknown, b: unknown) => stableStringify(a, 0) === stableStringify(b, 0);

/**
 * Whether a stage must run: never run, forced, or its command, used params, deps or outs differ from what the lock
 * file recorded. Hashes are taken now, so a stage whose upstream rewrote identical outputs stays skipped.
 */
export async function checkStage(dir: string, stage: ResolvedStage, entry: LockEntry | undefined, force = false): Promise<StageCheck> {
  const deps = await hashPaths(dir, stage.deps);
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
  for (const [p, h] of Object.entries(deps)) if ((h ?? null) !== entry.deps[p]) return because(h ? `dep '${p}' changed` : `dep '${p}' is missing`);
  if (!same(stage.outs.slice().sort(), Object.keys(entry.outs ?? {}).sort())) return because('its outs changed');
  const outs = await hashPaths(dir, stage.outs);
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
export async function planPipeline(loaded: LoadedPipeline, lock: LockFile, options: { targets?: string[]; force?: boolean } = {}): Promise<PlanItem[]> {
  const running = new Set<string>();
  const plan: PlanItem[] = [];
  for (const { stage, needs } of selectStages(loaded, options.targets)) {
    const check = await checkStage(loaded.dir, stage, lock.stages[stage.name], options.force);
    const upstream = needs.find((n) => running.has(n));
    const run = check.run || upstream !== undefined;
    if (run) running.add(stage.name);
    plan.push({ stage: stage.name, action: run ? 'run' : 'skip', reason: check.run || !upstream ? check.reason : `upstream stage '${upstream}' will run`, command: stage.command });
  }
  return plan;
}
