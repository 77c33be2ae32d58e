import { EVALUATION_METRICS, evaluateModel, formatEvaluation, type EvaluateResult, type EvaluationMetric } from '../../core/evaluate';
import { METRIC_PREFIX } from '../../core/runs/metrics';
import { LatheError } from '../../core/workspace/errors';
import { whileCancellable } from '../cancel';
import { positional, stringOption, type CliArgs, type CliCommand } from '../command';
import { currentRunId } from '../trackedRun';

/** --metrics a,b: known metric names only. */
function metricsOption(args: CliArgs): EvaluationMetric[] | undefined {
  const text = stringOption(args, 'metrics');
  if (text === undefined) return undefined;
  const names = text.split(',').map((m) => m.trim()).filter(Boolean);
  const unknown = names.find((m) => !(EVALUATION_METRICS as readonly string[]).includes(m));
  if (unknown !== undefined || names.length === 0) {
    throw new LatheError('usage', unknown === undefined ? '--metrics names no metric' : `unknown metric '${unknown}'`, { hint: `choose from ${EVALUATION_METRICS.join(', ')}, separated by commas` });
  }
  return names as EvaluationMetric[];
}

/** --label: a column name, or a column index (-1: the last). */
function labelOption(args: CliArgs): string | number | undefined {
  const label = stringOption(args, 'label');
  return label !== undefined && /^-?\d+$/.test(label) ? Number(label) : label;
}

export const evaluateCommand: CliCommand<EvaluateResult> = {
  path: ['evaluate'],
  usage: 'evaluate <file.onnx|name@version> --dataset <dataset:name@vK|file> [--metrics accuracy,f1] [--label col] [--output report.json]',
  summary: 'score a model on labelled rows (accuracy, f1, precision, recall, auc, mse, mae), with latency and size',
  options: {
    dataset: { type: 'string', short: 'd', description: 'the labelled rows: dataset:name@vK, or a CSV/TSV/NPY/Parquet file' },
    metrics: { type: 'string', short: 'm', description: `comma-separated, from ${EVALUATION_METRICS.join(', ')} (default accuracy,f1 for a classifier, mse,mae for one output)` },
    label: { type: 'string', description: 'the label column: a name or an index (-1: the last) (default: label/target/y/class, else the last column)' },
    output: { type: 'string', short: 'o', description: 'write the report (JSON) to this file' },
  },
  async run(ctx) {
    const usage = evaluateCommand.usage;
    const model = positional(ctx.args, 0, 'the model to evaluate (a file or name@version)', usage);
    const dataset = stringOption(ctx.args, 'dataset');
    if (!dataset) throw new LatheError('usage', 'missing --dataset', { hint: `usage: lathe ${usage}` });
    const metrics = metricsOption(ctx.args);
    const label = labelOption(ctx.args);
    const layout = await ctx.store();
    const result = await whileCancellable((signal) =>
      evaluateModel({ layout, model, dataset, metrics, label, output: stringOption(ctx.args, 'output'), cwd: ctx.cwd, signal, log: (line) => process.stderr.write(`${line}\n`) }),
    );
    // inside a tracked run (a pipeline stage, `lathe run`), the run records these as its metrics
    if (currentRunId()) {
      const point = { step: 0, ...result.metrics, latency_ms_per_row: result.latency.p50MsPerRow, size_bytes: result.sizeBytes };
      process.stdout.write(`${METRIC_PREFIX}${JSON.stringify(point)}\n`);
    }
    return result;
  },
  format: formatEvaluation,
};
