import { DEFAULT_HIDDEN, distillModel, formatDistillResult, type DistillResult, type StudentSpec } from '../../core/distill';
import { MLP_ACTIVATIONS, type MlpActivation } from '../../core/onnx';
import { METRIC_PREFIX } from '../../core/runs/metrics';
import type { ParamValue } from '../../core/runs/record';
import { LatheError } from '../../core/workspace/errors';
import { flag, numberOption, positional, stringOption, type CliArgs, type CliCommand } from '../command';
import { currentRunId, rerunAsTrackedRun } from '../trackedRun';
import { whileCancellable } from '../cancel';

export type DistillCliResult = DistillResult & { run?: string };

function studentOption(args: CliArgs): StudentSpec {
  const student = stringOption(args, 'student') ?? 'mlp';
  const hiddenText = stringOption(args, 'hidden');
  const activation = stringOption(args, 'activation');
  if (activation && !(MLP_ACTIVATIONS as readonly string[]).includes(activation)) {
    throw new LatheError('usage', `unknown activation '${activation}'`, { hint: `choose one of ${MLP_ACTIVATIONS.join(', ')}` });
  }
  if (student !== 'mlp' && (hiddenText || activation)) throw new LatheError('usage', '--hidden and --activation shape the mlp student only');
  if (student === 'cnn') return { kind: 'cnn' };
  if (student !== 'mlp') return { kind: 'model', ref: student };
  const hidden = hiddenText ? hiddenText.split(',').map((h) => Number(h.trim())) : DEFAULT_HIDDEN;
  if (hidden.some((h) => !Number.isInteger(h) || h < 1)) throw new LatheError('usage', `--hidden must be positive integers separated by commas, e.g. 32,16; got '${hiddenText}'`);
  return { kind: 'mlp', hidden, activation: activation as MlpActivation | undefined };
}

/** --label: a column name, a column index (-1 the last), or `none` for soft targets only. */
function labelOption(args: CliArgs): string | number | false | undefined {
  const label = stringOption(args, 'label');
  if (label === undefined) return undefined;
  if (label === 'none') return false;
  return /^-?\d+$/.test(label) ? Number(label) : label;
}

/** The run's parameters: every option given, by name. */
function paramsOf(args: CliArgs): Record<string, ParamValue> {
  const params: Record<string, ParamValue> = { teacher: args.positionals[0] ?? '' };
  for (const [key, value] of Object.entries(args.options)) {
    if (value !== undefined && !['json', 'metrics', 'help'].includes(key)) params[key.replace(/-/g, '_')] = value as ParamValue;
  }
  return params;
}

export const distillCommand: CliCommand<DistillCliResult> = {
  path: ['distill'],
  usage:
    'distill <teacher name@version|file.onnx> --dataset <ref> [--student mlp|cnn|<model>] [--hidden 32,16] [--activation relu] [--temperature 4] [--alpha 0.7] [--epochs N] [--lr X] [--batch-size N] [--seed N] [--name N] [--output file.onnx] [--metrics]',
  summary: 'train a small student to imitate a teacher model (knowledge distillation) as a tracked run, and register it',
  options: {
    dataset: { type: 'string', short: 'd', description: 'the training rows: dataset:name@vK, or a CSV/TSV/NPY/Parquet file' },
    student: { type: 'string', description: 'mlp (default), cnn (image inputs [C, H, W]), or an existing model (name@version or file.onnx) to train as the student' },
    hidden: { type: 'string', description: `hidden layer widths of the mlp student (default ${DEFAULT_HIDDEN.join(',')})` },
    activation: { type: 'string', description: `activation of the mlp student: ${MLP_ACTIVATIONS.join(', ')} (default relu)` },
    temperature: { type: 'string', short: 't', description: 'softmax temperature T of the soft targets (default 4)' },
    alpha: { type: 'string', description: 'weight of the soft-target loss against cross-entropy on labels, 0..1 (default 0.7)' },
    epochs: { type: 'string', short: 'e', description: 'maximum epochs (default 30)' },
    patience: { type: 'string', description: 'stop after this many epochs without a better validation loss (default 5)' },
    lr: { type: 'string', description: 'AdamW learning rate (default 0.01)' },
    'batch-size': { type: 'string', description: 'mini-batch size (default 32)' },
    seed: { type: 'string', description: 'seeds the initial weights, the split and the shuffling (default 0)' },
    label: { type: 'string', description: 'the label column: a name, an index (-1: the last), or none for soft targets only (default: found by name)' },
    'no-baseline': { type: 'boolean', description: 'do not train the same student without the teacher for comparison' },
    name: { type: 'string', short: 'n', description: 'the model name to register the student under (default <teacher>-student)' },
    output: { type: 'string', short: 'o', description: 'also write the student to this file' },
    'no-register': { type: 'boolean', description: 'do not register the student' },
    metrics: { type: 'boolean', description: 'print per-step and per-epoch metrics as lathe metric lines (for tracked runs)' },
  },
  async run(ctx) {
    const usage = distillCommand.usage;
    const teacher = positional(ctx.args, 0, 'the teacher model (name@version or file.onnx)', usage);
    const dataset = stringOption(ctx.args, 'dataset');
    if (!dataset) throw new LatheError('usage', 'missing --dataset', { hint: `usage: lathe ${usage}` });
    const student = studentOption(ctx.args);
    const label = labelOption(ctx.args);
    const numbers = Object.fromEntries(['temperature', 'alpha', 'epochs', 'patience', 'lr', 'batch-size', 'seed'].map((k) => [k, numberOption(ctx.args, k)]));
    const run = currentRunId();
    if (!run) return rerunAsTrackedRun<DistillResult>(ctx, distillCommand.path, { name: `distill ${teacher}`, params: paramsOf(ctx.args), tags: ['distill'] });

    const layout = await ctx.store();
    const metrics = flag(ctx.args, 'metrics');
    return whileCancellable(async (signal) => {
      const result = await distillModel(
        layout,
        {
          teacher,
          dataset,
          student,
          label,
          temperature: numbers.temperature,
          alpha: numbers.alpha,
          epochs: numbers.epochs,
          patience: numbers.patience,
          lr: numbers.lr,
          batchSize: numbers['batch-size'],
          seed: numbers.seed,
          baseline: !flag(ctx.args, 'no-baseline'),
          name: stringOption(ctx.args, 'name'),
          output: stringOption(ctx.args, 'output'),
          register: !flag(ctx.args, 'no-register'),
          run,
          cwd: ctx.cwd,
          // a tracked run records these lines as its live metric curves
          onMetrics: metrics ? (point) => process.stdout.write(`${METRIC_PREFIX}${JSON.stringify(point)}\n`) : undefined,
        },
        { signal, log: (line) => process.stderr.write(`${line}\n`) },
      );
      return { ...result, run };
    });
  },
  format: formatDistillResult,
};
