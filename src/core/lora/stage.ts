import * as path from 'node:path';
import type { BuiltinStageHandler } from '../pipeline/runner/builtins';
import { stringArg, type LatheInvocation } from '../quantize/stage';
import { startRun } from '../runs/start';

/** `with:` numbers passed on as CLI options, by argument name. */
const NUMBER_ARGS: Record<string, string> = { rank: '--rank', alpha: '--alpha', dropout: '--dropout', epochs: '--epochs', lr: '--lr', batch_size: '--batch-size', seed: '--seed' };

/**
 * `uses: lora`: runs `lathe lora train` as a tracked run of the stage, writing the adapter to `with: output` (and
 * the merged model to `merged`). A registered base (`model:NAME@REF`) also gets the adapter registered as its
 * adapter version; a base file gives only the files.
 */
export function loraStage(lathe: LatheInvocation): BuiltinStageHandler {
  return async (ctx, opts) => {
    const { name, params, env } = ctx.stage;
    const args = ctx.stage.with;
    const model = stringArg(args, 'model', name, true) as string;
    const dataset = stringArg(args, 'dataset', name, true) as string;
    const fromStore = model.startsWith('model:');
    const argv = [
      'lora',
      'train',
      fromStore ? model : path.resolve(ctx.dir, model),
      '--dataset',
      dataset.startsWith('dataset:') ? dataset : path.resolve(ctx.dir, dataset),
      '--output',
      path.resolve(ctx.dir, stringArg(args, 'output', name, true) as string),
      '--metrics',
    ];
    if (!fromStore) argv.push('--no-register');
    const merged = stringArg(args, 'merged', name, false);
    if (merged) argv.push('--merged-output', path.resolve(ctx.dir, merged));
    const targets = stringArg(args, 'targets', name, false);
    if (targets) argv.push('--targets', targets);
    const adapterName = stringArg(args, 'name', name, false);
    if (adapterName) argv.push('--name', adapterName);
    for (const [key, option] of Object.entries(NUMBER_ARGS)) if (typeof args[key] === 'number') argv.push(option, String(args[key]));
    if (args.rslora === true) argv.push('--rslora');
    return startRun(
      ctx.layout,
      { command: [...lathe.command, ...argv], name, params, tags: ['pipeline', `stage:${name}`, 'lora'], cwd: ctx.dir, env: { ...env, ...lathe.env } },
      opts,
    );
  };
}
