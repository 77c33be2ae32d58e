import type { OperationOptions } from '../../events';
import type { RunHandle } from '../../runs/start';
import type { StoreLayout } from '../../workspace/layout';
import type { ResolvedStage } from './resolve';

export interface BuiltinStageContext {
  layout: StoreLayout;
  /** The folder of the pipeline file: the base of the stage's paths. */
  dir: string;
  stage: ResolvedStage & { uses: string; with: Record<string, unknown> };
}

/**
 * Runs one built-in stage (`uses: quantize` ...) as a tracked run, typically by starting the lathe CLI's command for
 * it with startRun, so it gets a run record, logs and process-tree cancellation like any `cmd` stage.
 */
export type BuiltinStageHandler = (ctx: BuiltinStageContext, opts: OperationOptions) => Promise<RunHandle>;

const handlers = new Map<string, BuiltinStageHandler>();

/** Called by the feature that implements a built-in stage; returns the function that removes it again. */
export function registerBuiltinStage(name: string, handler: BuiltinStageHandler): () => void {
  handlers.set(name, handler);
  return () => {
    if (handlers.get(name) === handler) handlers.delete(name);
  };
}

export function builtinStage(name: string): BuiltinStageHandler | undefined {
  return handlers.get(name);
}
