import { formatLoraMergeResult, formatLoraTrainResult, LORA_DEFAULTS, mergeLoraAdapter, trainLoraAdapter, type LoraMergeResult, type LoraTrainResult } from '../../core/lora';
import { METRIC_PREFIX } from '../../core/runs/metrics';
import type { ParamValue } from '../../core/runs/record';
import { LatheError } from '../../core/workspace/errors';
import { flag, numberOption, positional, stringOption, type CliArgs, type CliCommand } from '../command';
import { currentRunId, rerunAsTrackedRun } from '../trackedRun';
import { whileCancellable } from '../cancel';

type LoraTrainCliResult = LoraTrainResult & { run?: string };

const NUMBERS = ['rank', 'alpha', 'dropout', 'epochs', 'lr', 'batch-size', 'seed', 'test-fraction'] as const;

function requiredOption(args: CliArgs, name: string, usage: string): string {
  const value = stringOption(args, name);
  if (!value) throw new LatheError('usage', `missing --${name}`, { hint: `usage: lathe ${usage}` });
  return value;
}

/** The run's params: what was asked, with the defaults filled in. */
function paramsOf(args: CliArgs, base: string, dataset: string): Record<string, ParamValue> {
  const params: Record<string, ParamValue> = { base, dataset, targets: stringOption(args, 'targets') ?? LORA_DEFAULTS.targets, rslora: flag(args, 'rslora') };
  const { rank, alpha, dropout, epochs, lr, seed } = LORA_DEFAULTS;
  const defaults: Record<(typeof NUMBERS)[number], number> = { rank, alpha, dropout, epochs, lr, seed, 'batch-size': LORA_DEFAULTS.batchSize, 'test-fraction': LORA_DEFAULTS.testFraction };
  for (const key of NUMBERS) params[key.replace('-', '_')] = numberOption(args, key) ?? defaults[key];
  return params;
}

export const loraTrainCommand: CliCommand<LoraTrainCliResult> = {
  path: ['lora', 'train'],
  usage: 'lora train <base name@version|file.onnx> --dataset <ref> [--targets all-linear|attention-qv|REGEX] [--rank 8] [--alpha 16] [--dropout 0] [--rslora] [--epochs 20] [--lr 0.005] [--batch-size 32] [--seed 0] [--name N] [--output adapter.onnx] [--merged-output merged.onnx]',
  summary: 'fine-tune a model with LoRA adapters as a tracked run, and register the adapter as a version of its base',
  options: {
    dataset: { type: 'string', short: 'd', description: 'labelled training rows: dataset:name@vK, name@vK, or a CSV/TSV/NPY/Parquet file' },
    label: { type: 'string', description: 'the label column (default: label/target/y/class, or a last extra column)' },
    targets: { type: 'string', description: "weights to adapt: all-linear (default), attention-qv (q/v projections), or a RegExp over weight names" },
    rank: { type: 'string', short: 'r', description: `adapter rank (default ${LORA_DEFAULTS.rank})` },
    alpha: { type: 'string', description: `scaling alpha: the update is scaled by alpha/rank (default ${LORA_DEFAULTS.alpha})` },
    dropout: { type: 'string', description: 'dropout on the adapters\' input while training (default 0)' },
    rslora: { type: 'boolean', description: 'scale by alpha/√rank (rank-stabilized LoRA)' },
    epochs: { type: 'string', description: `training epochs (default ${LORA_DEFAULTS.epochs})` },
    lr: { type: 'string', description: `AdamW learning rate (default ${LORA_DEFAULTS.lr})` },
    'batch-size': { type: 'string', description: `mini-batch size (default ${LORA_DEFAULTS.batchSize})` },
    seed: { type: 'string', description: 'seeds A, the held-out split and the shuffling (default 0)' },
    'test-fraction': { type: 'string', description: 'rows held out to compare base, LoRA and full fine-tuning (default 0.2)' },
    'no-compare': { type: 'boolean', description: 'skip the full fine-tuning comparison' },
    name: { type: 'string', short: 'n', description: 'the adapter\'s registered name (default <base name>-lora)' },
    output: { type: 'string', short: 'o', description: 'also write the adapter file here' },
    'merged-output': { type: 'string', description: 'also write the base with the adapter merged in to this file' },
    'no-register': { type: 'boolean', description: 'do not register the adapter (needs --output)' },
    metrics: { type: 'boolean', description: 'print per-epoch metric lines (a tracked run records them as curves)' },
  },
  async run(ctx) {
    const usage = loraTrainCommand.usage;
    const base = positional(ctx.args, 0, 'the base model (name@version or file)', usage);
    const dataset = requiredOption(ctx.args, 'dataset', usage);
    const params = paramsOf(ctx.args, base, dataset);
    const run = currentRunId();
    if (!run) return rerunAsTrackedRun<LoraTrainResult>(ctx, loraTrainCommand.path, { name: `lora ${base}`, params, tags: ['lora'] });

    const layout = await ctx.store();
    const metrics = flag(ctx.args, 'metrics');
    const emit = (values: Record<string, number | undefined>) => {
      if (metrics) process.stdout.write(`${METRIC_PREFIX}${JSON.stringify(values)}\n`);
    };
    return whileCancellable(async (signal) => {
      const result = await trainLoraAdapter(
        layout,
        {
          base,
          dataset,
          label: stringOption(ctx.args, 'label'),
          targets: stringOption(ctx.args, 'targets'),
          rank: numberOption(ctx.args, 'rank'),
          alpha: numberOption(ctx.args, 'alpha'),
          dropout: numberOption(ctx.args, 'dropout'),
          rslora: flag(ctx.args, 'rslora'),
          epochs: numberOption(ctx.args, 'epochs'),
          lr: numberOption(ctx.args, 'lr'),
          batchSize: numberOption(ctx.args, 'batch-size'),
          seed: numberOption(ctx.args, 'seed'),
          testFraction: numberOption(ctx.args, 'test-fraction'),
          compareFull: !flag(ctx.args, 'no-compare'),
          name: stringOption(ctx.args, 'name'),
          output: stringOption(ctx.args, 'output'),
          mergedOutput: stringOption(ctx.args, 'merged-output'),
          register: !flag(ctx.args, 'no-register'),
          run,
          cwd: ctx.cwd,
        },
        {
          signal,
          log: (line) => process.stderr.write(`${line}\n`),
          onProgress: (p) => p.message && process.stderr.write(`${p.message}\n`),
          onEpoch: (m) => emit({ step: m.epoch + 1, loss: m.loss, train_accuracy: m.accuracy, val_loss: m.valLoss, val_accuracy: m.valAccuracy }),
        },
      );
      emit({ step: result.history.length, ...result.metrics });
      return { ...result, run };
    });
  },
  format: formatLoraTrainResult,
};

export const loraMergeCommand: CliCommand<LoraMergeResult> = {
  path: ['lora', 'merge'],
  usage: 'lora merge <adapter name@version|adapter.onnx> --output merged.onnx [--base name@version|file.onnx] [--register] [--name N]',
  summary: 'merge a LoRA adapter into its base: one model with the base\'s nodes (no extra latency)',
  options: {
    base: { type: 'string', short: 'b', description: 'the base model (default: the one the adapter was trained on)' },
    output: { type: 'string', short: 'o', description: 'the merged .onnx file to write' },
    register: { type: 'boolean', description: 'also register the merged model as a version' },
    name: { type: 'string', short: 'n', description: 'the name to register it under (default: the base model\'s name)' },
  },
  async run(ctx) {
    const usage = loraMergeCommand.usage;
    const adapter = positional(ctx.args, 0, 'the adapter (name@version or file)', usage);
    const output = requiredOption(ctx.args, 'output', usage);
    return mergeLoraAdapter(
      await ctx.store(),
      { adapter, base: stringOption(ctx.args, 'base'), output, register: flag(ctx.args, 'register'), name: stringOption(ctx.args, 'name'), cwd: ctx.cwd },
      { log: (line) => process.stderr.write(`${line}\n`) },
    );
  },
  format: formatLoraMergeResult,
};

export const loraCommands = [loraTrainCommand, loraMergeCommand];
