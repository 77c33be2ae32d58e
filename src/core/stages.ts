import { distillStage } from './distill/stage';
import { driftStage } from './drift/stage';
import { evaluateStage } from './evaluate/stage';
import { loraStage } from './lora/stage';
import { registerBuiltinStage } from './pipeline/runner/builtins';
import { quantizeStage, type LatheInvocation } from './quantize/stage';

export type { LatheInvocation } from './quantize/stage';

/**
 * Register every implemented built-in pipeline stage (`uses:`) with the runner. Each runs the lathe CLI as a
 * tracked run, so `lathe` says how this process starts it. Returns the function that removes them again.
 */
export function registerBuiltinStages(lathe: LatheInvocation): () => void {
  const removers = [
    registerBuiltinStage('quantize', quantizeStage(lathe)),
    registerBuiltinStage('distill', distillStage(lathe)),
    registerBuiltinStage('lora', loraStage(lathe)),
    registerBuiltinStage('evaluate', evaluateStage(lathe)),
    registerBuiltinStage('drift', driftStage(lathe)),
  ];
  return () => removers.forEach((remove) => remove());
}
