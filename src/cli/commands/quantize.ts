import { formatQuantizeResult, QUANTIZE_METHODS, quantizeModelVersion, type CalibrationMethod, type QuantizeMethod, type QuantizeResult } from '../../core/quantize';
import { METRIC_PREFIX } from '../../core/runs/metrics';
import { LatheError } from '../../core/workspace/errors';
import { flag, listOption, numberOption, positional, stringOption, type CliArgs, type CliCommand } from '../command';

const CANCEL_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const CALIBRATION_METHODS: CalibrationMethod[] = ['minmax', 'percentile', 'entropy'];

function methodOption(args: CliArgs, usage: string): QuantizeMethod {
  const method = stringOption(args, 'method');
  const known = QUANTIZE_METHODS.map((m) => m.id);
  if (!method) throw new LatheError('usage', 'missing --method', { hint: `choose one of ${known.join(', ')} (usage: lathe ${usage})` });
  if (!(known as string[]).includes(method)) throw new LatheError('usage', `unknown method '${method}'`, { hint: `choose one of ${known.join(', ')}` });
  return method as QuantizeMethod;
}

export const quantizeCommand: CliCommand<QuantizeResult> = {
  path: ['quantize'],
  usage: 'quantize <file.onnx|name@version> --method M [--per-channel] [--calibration dataset:name@vK] [--exclude node,...] [--name N] [--output file]',
  summary: 'quantize or compress a model, evaluate it against the original and register the result as a new version',
  options: {
    method: { type: 'string', short: 'm', description: QUANTIZE_METHODS.map((m) => `${m.id}: ${m.summary}`).join('; ') },
    'per-channel': { type: 'boolean', description: 'one weight scale per output channel (dynamic-int8, static-int8)' },
    calibration: { type: 'string', short: 'c', description: 'real inputs for calibration and evaluation: dataset:name@vK, or a CSV/TSV/NPY file' },
    'calibration-method': { type: 'string', description: `static-int8 range method: ${CALIBRATION_METHODS.join(', ')} (default minmax)` },
    exclude: { type: 'string', multiple: true, description: 'node names left as they are (comma-separated or repeated)' },
    name: { type: 'string', short: 'n', description: 'the model name to register the result under (default: the source model name)' },
    output: { type: 'string', short: 'o', description: 'also write the result to this file' },
    'no-register': { type: 'boolean', description: 'do not register the result (with --output: only write the file)' },
    'block-size': { type: 'string', description: 'int4 block size: 32 (default), 64 or 128' },
    sparsity: { type: 'string', description: 'prune: the fraction removed (default 0.5)' },
    structured: { type: 'boolean', description: 'prune whole output channels, so the model really shrinks' },
    rank: { type: 'string', description: 'low-rank: the rank kept' },
    energy: { type: 'string', description: 'low-rank: the fraction of energy kept (default 0.9)' },
    samples: { type: 'string', description: 'rows of calibration data used (default 64)' },
    runs: { type: 'string', description: 'timed runs per model (default 20)' },
    metrics: { type: 'boolean', description: 'also print the metrics as lathe metric lines (for tracked runs)' },
  },
  async run(ctx) {
    const usage = quantizeCommand.usage;
    const model = positional(ctx.args, 0, 'the model to quantize (a file or name@version)', usage);
    const method = methodOption(ctx.args, usage);
    const calibrationMethod = stringOption(ctx.args, 'calibration-method');
    if (calibrationMethod && !(CALIBRATION_METHODS as string[]).includes(calibrationMethod)) {
      throw new LatheError('usage', `unknown calibration method '${calibrationMethod}'`, { hint: `choose one of ${CALIBRATION_METHODS.join(', ')}` });
    }
    const layout = await ctx.store();
    const controller = new AbortController();
    const onSignal = () => controller.abort();
    for (const s of CANCEL_SIGNALS) process.on(s, onSignal);
    try {
      const result = await quantizeModelVersion(
        layout,
        {
          model,
          method,
          perChannel: flag(ctx.args, 'per-channel'),
          calibration: stringOption(ctx.args, 'calibration'),
          calibrationMethod: calibrationMethod as CalibrationMethod | undefined,
          exclude: listOption(ctx.args, 'exclude').flatMap((e) => e.split(',')).map((e) => e.trim()).filter(Boolean),
          name: stringOption(ctx.args, 'name'),
          output: stringOption(ctx.args, 'output'),
          register: !flag(ctx.args, 'no-register'),
          blockSize: numberOption(ctx.args, 'block-size'),
          sparsity: numberOption(ctx.args, 'sparsity'),
          structured: flag(ctx.args, 'structured'),
          rank: numberOption(ctx.args, 'rank'),
          energy: numberOption(ctx.args, 'energy'),
          samples: numberOption(ctx.args, 'samples'),
          runs: numberOption(ctx.args, 'runs'),
          cwd: ctx.cwd,
        },
        { signal: controller.signal, log: (line) => process.stderr.write(`${line}\n`) },
      );
      // a tracked run (a pipeline stage) records these as its metrics
      if (flag(ctx.args, 'metrics')) process.stdout.write(`${METRIC_PREFIX}${JSON.stringify({ step: 0, ...result.metrics })}\n`);
      return result;
    } finally {
      for (const s of CANCEL_SIGNALS) process.off(s, onSignal);
    }
  },
  format: formatQuantizeResult,
};
