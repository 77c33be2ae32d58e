import * as path from 'node:path';
import type { BuiltinStageHandler } from '../pipeline/runner/builtins';
import { refOrPath, stringArg, type LatheInvocation } from '../quantize/stage';
import { startRun } from '../runs/start';

/**
 * `uses: drift`: runs `lathe drift` as a tracked run of the stage. The run records the number of drifted columns
 * and the largest statistic as metrics; the report goes to `with: output`, or to the run's folder without one.
 */
export function driftStage(lathe: LatheInvocation): BuiltinStageHandler {
  return async (ctx, opts) => {
    const { name, params, env } = ctx.stage;
    const args = ctx.stage.with;
    const side = (key: string) => refOrPath(stringArg(args, key, name, true) as string, 'dataset:', ctx.dir);
    const argv = ['drift', side('reference'), side('current')];
    const test = stringArg(args, 'test', name, false);
    if (test) argv.push('--test', test);
    if (typeof args.threshold === 'number') argv.push('--threshold', String(args.threshold));
    const output = stringArg(args, 'output', name, false);
    if (output) argv.push('--output', path.resolve(ctx.dir, output));
    return startRun(
      ctx.layout,
      { command: [...lathe.command, ...argv, '--json'], name, params, tags: ['pipeline', `stage:${name}`, 'drift'], cwd: ctx.dir, env: { ...env, ...lathe.env } },
      opts,
    );
  };
}
