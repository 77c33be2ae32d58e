import * as path from 'node:path';
import { listSweeps } from '../../core/charts/sweep';
import { runSweep, type SweepRunResult } from '../../core/sweep';
import { LatheError } from '../../core/workspace/errors';
import { numberOption, positional, stringOption, type CliCommand } from '../command';
import { EXIT_CANCELLED, whileCancellable } from '../cancel';

function countOption(ctx: Parameters<CliCommand['run']>[0], name: string): number | undefined {
  const value = numberOption(ctx.args, name);
  if (value !== undefined && (!Number.isInteger(value) || value < 1)) throw new LatheError('usage', `--${name} must be a whole number ≥ 1, got '${stringOption(ctx.args, name)}'`);
  return value;
}

const valueText = (v: number | null) => (v === null ? '-' : String(v));

export const sweepRunCommand: CliCommand<SweepRunResult> = {
  path: ['sweep', 'run'],
  usage: 'sweep run <sweep> [--file lathe.yaml] [--trials N] [--parallel N]',
  summary: "run a pipeline sweep's trials as tracked runs (again: resumes it)",
  options: {
    file: { type: 'string', description: 'the pipeline file (default: lathe.yaml in the workspace root)' },
    trials: { type: 'string', description: "total trials, earlier ones included (default: the sweep's trials)" },
    parallel: { type: 'string', description: "trials at the same time (default: the sweep's parallel, or 1)" },
  },
  async run(ctx) {
    const name = positional(ctx.args, 0, 'the sweep name', 'sweep run <sweep> [--file lathe.yaml] [--trials N] [--parallel N]');
    const trials = countOption(ctx, 'trials');
    const parallel = countOption(ctx, 'parallel');
    const layout = await ctx.store();
    const given = stringOption(ctx.args, 'file');
    return whileCancellable((signal) => runSweep(layout, { sweep: name, file: given ? path.resolve(ctx.cwd, given) : undefined, trials, parallel }, { signal, log: (line) => process.stderr.write(`${line}\n`) }));
  },
  format: (r) => {
    const lines = r.trials.map((t) => `#${String(t.number).padEnd(4)} ${(t.pruned ? 'pruned' : t.status).padEnd(9)} ${r.metric.name}=${valueText(t.value).padEnd(12)} ${JSON.stringify(t.params)}${t.resumed ? '  (earlier)' : ''}  run ${t.runId || '-'}`);
    lines.push(`${r.ran} trial(s) run${r.cancelled ? ', cancelled' : ''}${r.exhausted ? ', grid exhausted' : ''}`);
    lines.push(r.best ? `best: trial ${r.best.number} (${r.best.name}) ${r.metric.name}=${r.best.value} ${JSON.stringify(r.best.params)}` : 'best: none (no trial completed with a value)');
    return lines.join('\n');
  },
  exitCode: (r) => (r.cancelled ? EXIT_CANCELLED : 0),
};

export const sweepListCommand: CliCommand<{ name: string; trials: number }[]> = {
  path: ['sweep', 'list'],
  usage: 'sweep list',
  summary: 'list the sweeps that have trials, with their trial counts',
  async run(ctx) {
    return listSweeps(await ctx.store());
  },
  format: (sweeps) => (sweeps.length ? sweeps.map((s) => `${s.name}  ${s.trials} trial(s)`).join('\n') : 'no sweeps have run yet'),
};

export const sweepCommands = [sweepRunCommand, sweepListCommand];
