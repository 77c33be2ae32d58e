import * as path from 'node:path';
import { DRIFT_TESTS, formatDriftResult, maxStatistic, runDrift, type DriftResult, type DriftTestChoice } from '../../core/drift';
import { METRIC_PREFIX } from '../../core/runs/metrics';
import { LatheError } from '../../core/workspace/errors';
import { whileCancellable } from '../cancel';
import { numberOption, positional, stringOption, type CliCommand } from '../command';
import { currentRunId } from '../trackedRun';

/** Where a tracked run keeps its report when no --output is given: with the run's other records. */
const RUN_REPORT = 'drift.json';

export const driftCommand: CliCommand<DriftResult> = {
  path: ['drift'],
  usage: 'drift <reference> <current> [--test auto|ks|chi2|psi|mmd] [--threshold x] [--seed N] [--output file]',
  summary: 'compare two datasets column by column and report distribution drift (exit code 0 even when drift is found)',
  options: {
    test: { type: 'string', short: 't', description: 'auto (default: KS for numbers, chi-square for text and few distinct integers), ks, chi2, psi or mmd' },
    threshold: { type: 'string', description: 'flag drift below this p-value (default 0.05), or above this PSI with --test psi (default 0.2)' },
    seed: { type: 'string', description: 'seeds the MMD subsample and permutations (default 0)' },
    output: { type: 'string', short: 'o', description: 'write the JSON report (per column: test, statistic, p-value, histograms) to this file' },
  },
  async run(ctx) {
    const usage = driftCommand.usage;
    const reference = positional(ctx.args, 0, 'the reference data (a CSV/TSV/Parquet file or dataset:name@vK)', usage);
    const current = positional(ctx.args, 1, 'the current data (a CSV/TSV/Parquet file or dataset:name@vK)', usage);
    const test = stringOption(ctx.args, 'test') ?? 'auto';
    if (!(DRIFT_TESTS as readonly string[]).includes(test)) throw new LatheError('usage', `unknown test '${test}'`, { hint: `choose one of ${DRIFT_TESTS.join(', ')}` });
    const threshold = numberOption(ctx.args, 'threshold');
    if (threshold !== undefined && !(threshold > 0)) throw new LatheError('usage', `--threshold must be above 0, got ${threshold}`);
    const seed = numberOption(ctx.args, 'seed');
    const run = currentRunId();
    const runDir = process.env.LATHE_RUN_DIR;
    const output = stringOption(ctx.args, 'output') ?? (run && runDir ? path.join(runDir, RUN_REPORT) : undefined);
    const layout = await ctx.store();
    const result = await whileCancellable((signal) =>
      runDrift(layout, { reference, current, test: test as DriftTestChoice, threshold, seed, output, cwd: ctx.cwd }, { signal, log: (line) => process.stderr.write(`${line}\n`) }),
    );
    // a tracked run (a pipeline stage) records these as its metrics
    if (run) process.stdout.write(`${METRIC_PREFIX}${JSON.stringify({ step: 0, drifted_columns: result.drifted.length, columns: result.columns.length, max_statistic: maxStatistic(result) })}\n`);
    return result;
  },
  format: formatDriftResult,
};
