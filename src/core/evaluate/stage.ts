import * as path from 'node:path';
import type { BuiltinStageHandler } from '../pipeline/runner/builtins';
import { refOrPath, stringArg, type LatheInvocation } from '../quantize/stage';
import { startRun } from '../runs/start';

/**
 * `uses: evaluate`: runs `lathe evaluate` as a tracked run of the stage, so the run records the metrics (and
 * `with: output` gets the JSON report, hashed like any output).
 */
export function evaluateStage(lathe: LatheInvocation): BuiltinStageHandler {
  return async (ctx, opts) => {
    const { name, params, env } = ctx.stage;
    const args = ctx.stage.with;
    const model = refOrPath(stringArg(args, 'model', name, true) as string, 'model:', ctx.dir);
    const argv = ['evaluate', model, '--dataset', refOrPath(stringArg(args, 'dataset', name, true) as string, 'dataset:', ctx.dir)];
    if (Array.isArray(args.metrics) && args.metrics.length) argv.push('--metrics', args.metrics.map(String).join(','));
    const label = stringArg(args, 'label', name, false);
    if (label) argv.push('--label', label);
    const output = stringArg(args, 'output', name, false);
    if (output) argv.push('--output', path.resolve(ctx.dir, output));
    return startRun(
      ctx.layout,
      { command: [...lathe.command, ...argv], name, params, tags: ['pipeline', `stage:${name}`, 'evaluate'], cwd: ctx.dir, env: { ...env, ...lathe.env } },
      opts,
    );
  };
}
