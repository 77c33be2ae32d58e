import * as path from 'node:path';
import type { BuiltinStageHandler } from '../pipeline/runner/builtins';
import { startRun } from '../runs/start';
import { LatheError } from '../workspace/errors';

/** How to start the lathe CLI from this process: program and leading arguments, and extra environment. */
export interface LatheInvocation {
  command: string[];
  env?: Record<string, string>;
}

/** A `with:` string argument, or a clear pipeline error when it is missing or not a string. */
export function stringArg(args: Record<string, unknown>, key: string, stage: string, required: boolean): string | undefined {
  const value = args[key];
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || !value.trim()) {
    throw new LatheError('invalid-pipeline', `stage '${stage}': \`with: ${key}\` must be a non-empty string`, { hint: 'run `lathe pipeline validate`' });
  }
  return value;
}

/** A store reference (`model:`/`dataset:` prefix) stays as it is; anything else is a path relative to `dir`. */
export const refOrPath = (value: string, prefix: string, dir: string): string => (value.startsWith(prefix) ? value : path.resolve(dir, value));

/**
 * `uses: quantize`: runs `lathe quantize` as a tracked run of the stage, writing `with: output`. A registered model
 * (`model:NAME@REF`) gives a new registered version too; a model file gives only the output file.
 */
export function quantizeStage(lathe: LatheInvocation): BuiltinStageHandler {
  return async (ctx, opts) => {
    const { name, params, env } = ctx.stage;
    const args = ctx.stage.with;
    const model = stringArg(args, 'model', name, true) as string;
    const fromStore = model.startsWith('model:');
    const argv = [
      'quantize',
      fromStore ? model : path.resolve(ctx.dir, model),
      '--method',
      stringArg(args, 'method', name, true) as string,
      '--output',
      path.resolve(ctx.dir, stringArg(args, 'output', name, true) as string),
      '--metrics',
    ];
    if (!fromStore) argv.push('--no-register');
    const calibration = stringArg(args, 'calibration', name, false);
    if (calibration) argv.push('--calibration', calibration.startsWith('dataset:') ? calibration : path.resolve(ctx.dir, calibration));
    if (args.per_channel === true) argv.push('--per-channel');
    const exclude = args.exclude;
    if (Array.isArray(exclude) && exclude.length) argv.push('--exclude', exclude.map(String).join(','));
    return startRun(
      ctx.layout,
      { command: [...lathe.command, ...argv], name, params, tags: ['pipeline', `stage:${name}`, 'quantize'], cwd: ctx.dir, env: { ...env, ...lathe.env } },
      opts,
    );
  };
}
