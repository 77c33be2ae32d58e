import * as path from 'node:path';
import type { BuiltinStageHandler } from '../pipeline/runner/builtins';
import { refOrPath, stringArg, type LatheInvocation } from '../quantize/stage';
import { startRun } from '../runs/start';

/** `with:` numbers passed on as they are, by their CLI option names. */
const NUMBER_ARGS: Record<string, string> = { temperature: 'temperature', alpha: 'alpha', epochs: 'epochs', patience: 'patience', lr: 'lr', batch_size: 'batch-size', seed: 'seed' };

/**
 * `uses: distill`: runs `lathe distill` as a tracked run of the stage (live curves, logs, cancellation). The
 * student is registered with the teacher as its parent, and written to `with: output` when given; a teacher file
 * with an output registers nothing, like `uses: quantize`.
 */
export function distillStage(lathe: LatheInvocation): BuiltinStageHandler {
  return async (ctx, opts) => {
    const { name, params, env } = ctx.stage;
    const args = ctx.stage.with;
    const teacher = stringArg(args, 'teacher', name, true) as string;
    const argv = ['distill', refOrPath(teacher, 'model:', ctx.dir), '--dataset', refOrPath(stringArg(args, 'dataset', name, true) as string, 'dataset:', ctx.dir), '--metrics'];
    const output = stringArg(args, 'output', name, false);
    if (output) argv.push('--output', path.resolve(ctx.dir, output));
    if (output && !teacher.startsWith('model:')) argv.push('--no-register');
    const student = (args.student ?? {}) as Record<string, unknown>;
    if (typeof student.model === 'string') argv.push('--student', refOrPath(student.model, 'model:', ctx.dir).replace(/^model:/, ''));
    else if (student.preset === 'cnn') argv.push('--student', 'cnn');
    if (Array.isArray(student.hidden)) argv.push('--hidden', student.hidden.map(String).join(','));
    if (typeof student.activation === 'string') argv.push('--activation', student.activation);
    for (const [key, option] of Object.entries(NUMBER_ARGS)) if (typeof args[key] === 'number') argv.push(`--${option}`, String(args[key]));
    for (const key of ['label', 'name']) {
      const value = stringArg(args, key, name, false);
      if (value) argv.push(`--${key}`, value);
    }
    return startRun(
      ctx.layout,
      { command: [...lathe.command, ...argv], name, params, tags: ['pipeline', `stage:${name}`, 'distill'], cwd: ctx.dir, env: { ...env, ...lathe.env } },
      opts,
    );
  };
}
