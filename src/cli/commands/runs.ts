import { promises as fs } from 'node:fs';
import {
  cancelRun,
  compareRuns,
  deleteRun,
  listRuns,
  metricStats,
  readMetrics,
  readRun,
  RUN_STATUSES,
  runLogPaths,
  type MetricsData,
  type RunComparison,
  type RunRecord,
  type RunStatus,
} from '../../core/runs';
import { describeError, LatheError } from '../../core/workspace/errors';
import { flag, stringOption, type CliCommand, type CliContext } from '../command';

function duration(ms: number | undefined): string {
  if (ms === undefined) return '';
  const s = ms / 1000;
  return s < 60 ? `${s.toFixed(1)}s` : s < 3600 ? `${Math.floor(s / 60)}m${Math.round(s % 60)}s` : `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
}

const num = (v: number) => (Number.isInteger(v) ? String(v) : v.toPrecision(4));
const show = (v: unknown) => (v === undefined ? '-' : typeof v === 'string' ? v : JSON.stringify(v));

/** Left-aligned columns separated by two spaces. */
function columns(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n');
}

function oneRun(ctx: CliContext): string {
  const [ref, extra] = ctx.args.positionals;
  if (!ref || extra !== undefined) throw new LatheError('usage', 'give exactly one run (id, id prefix or name)');
  return ref;
}

function positiveInt(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new LatheError('usage', `--${name} must be a positive whole number, got '${text}'`);
  return n;
}

export const runsListCommand: CliCommand<RunRecord[]> = {
  path: ['runs', 'list'],
  usage: 'runs list [--status s] [--limit n]',
  summary: 'list runs, newest first',
  options: {
    status: { type: 'string', description: `only runs with this status (${RUN_STATUSES.join(', ')})` },
    limit: { type: 'string', description: 'at most this many runs' },
  },
  async run(ctx) {
    const status = stringOption(ctx.args, 'status');
    if (status !== undefined && !RUN_STATUSES.includes(status as RunStatus)) {
      throw new LatheError('usage', `unknown status '${status}'`, { hint: `use one of ${RUN_STATUSES.join(', ')}` });
    }
    const limit = positiveInt(stringOption(ctx.args, 'limit'), 'limit');
    const runs = await listRuns(await ctx.store(), { onCorrupt: (e) => process.stderr.write(`lathe: warning: skipped ${describeError(e)}\n`) });
    return runs.filter((r) => !status || r.status === status).slice(0, limit);
  },
  format(runs) {
    if (runs.length === 0) return 'no runs';
    const rows = runs.map((r) => [
      r.id,
      r.name,
      r.status,
      duration(r.durationMs),
      Object.entries(r.summary ?? {})
        .map(([k, v]) => `${k}=${num(v)}`)
        .join(' '),
    ]);
    return columns([['ID', 'NAME', 'STATUS', 'TIME', 'METRICS'], ...rows]);
  },
};

export const runsShowCommand: CliCommand<{ run: RunRecord; metrics: MetricsData }> = {
  path: ['runs', 'show'],
  usage: 'runs show <run>',
  summary: 'show a run: status, params, git state, metrics',
  async run(ctx) {
    const layout = await ctx.store();
    const run = await readRun(layout, oneRun(ctx));
    return { run, metrics: await readMetrics(layout, run.id) };
  },
  format({ run, metrics }) {
    const lines = [
      `run      ${run.name} (${run.id})`,
      `status   ${run.status}${run.exitCode !== null ? `, exit code ${run.exitCode}` : run.signal ? `, killed by ${run.signal}` : ''}${run.durationMs !== undefined ? `, ${duration(run.durationMs)}` : ''}`,
      `command  ${run.command.join(' ')}`,
      `cwd      ${run.cwd}`,
      `started  ${run.startedAt ?? run.createdAt}`,
    ];
    if (run.error) lines.push(`error    ${run.error}`);
    if (run.tags.length) lines.push(`tags     ${run.tags.join(', ')}`);
    if (run.git) {
      lines.push(`git      ${run.git.commit ?? 'no commit'}${run.git.branch ? ` (${run.git.branch})` : ''}${run.git.dirty ? `, uncommitted changes in ${run.git.patchFile ?? 'the tree'}` : ''}`);
    }
    const params = Object.entries(run.params);
    if (params.length) lines.push('params', ...params.map(([k, v]) => `  ${k} = ${show(v)}`));
    const series = Object.entries(metrics.series);
    if (series.length) {
      lines.push('metrics');
      const rows = series.map(([name, points]) => {
        const s = metricStats(points);
        return s ? [`  ${name}`, `last ${num(s.last)}`, `min ${num(s.min)}`, `max ${num(s.max)}`, `${s.steps} steps`] : [name, '', '', '', ''];
      });
      lines.push(columns(rows));
    }
    for (const w of run.warnings ?? []) lines.push(`warning  ${w}`);
    return lines.join('\n');
  },
};

export const runsCompareCommand: CliCommand<RunComparison> = {
  path: ['runs', 'compare'],
  usage: 'runs compare <a> <b> [...]',
  summary: 'compare runs: differing params, metrics (last, best, min, max)',
  async run(ctx) {
    return compareRuns(await ctx.store(), ctx.args.positionals);
  },
  format(c) {
    const header = ['', ...c.runs.map((r) => r.name)];
    const rows = [header, ['id', ...c.runs.map((r) => r.id)], ['status', ...c.runs.map((r) => r.status)]];
    for (const p of c.params) rows.push([`${p.differs ? '* ' : '  '}${p.name}`, ...p.values.map(show)]);
    for (const m of c.metrics) {
      rows.push([
        `  ${m.name} (${m.goal === 'minimize' ? 'min' : 'max'})`,
        ...m.values.map((v, i) => (v ? `${num(v.last)} best ${num(v.best)}${i === m.bestRun ? ' <' : ''}` : '-')),
      ]);
    }
    return `${columns(rows)}\n(* parameter differs; < best run for the metric; metrics show last and best value)`;
  },
};

export const runsCancelCommand: CliCommand<RunRecord> = {
  path: ['runs', 'cancel'],
  usage: 'runs cancel <run>',
  summary: 'stop a running run and its whole process tree',
  async run(ctx) {
    return cancelRun(await ctx.store(), oneRun(ctx));
  },
  format: (r) => `run ${r.name} (${r.id}) ${r.status}`,
};

export const runsDeleteCommand: CliCommand<RunRecord> = {
  path: ['runs', 'delete'],
  usage: 'runs delete <run> [--force]',
  summary: 'delete a run with its metrics and logs (--force cancels a running one first)',
  options: { force: { type: 'boolean', description: 'cancel the run first if it is running' } },
  async run(ctx) {
    return deleteRun(await ctx.store(), oneRun(ctx), { force: flag(ctx.args, 'force') });
  },
  format: (r) => `deleted run ${r.name} (${r.id})`,
};

async function readLog(file: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw e;
  }
}

export const runsLogsCommand: CliCommand<{ stdoutFile: string; stderrFile: string; stdout: string; stderr: string }> = {
  path: ['runs', 'logs'],
  usage: 'runs logs <run>',
  summary: "print a run's captured stdout and stderr",
  async run(ctx) {
    const layout = await ctx.store();
    const run = await readRun(layout, oneRun(ctx));
    const files = runLogPaths(layout, run.id);
    return { stdoutFile: files.stdout, stderrFile: files.stderr, stdout: await readLog(files.stdout), stderr: await readLog(files.stderr) };
  },
  format: (r) => `==> ${r.stdoutFile} <==\n${r.stdout}\n==> ${r.stderrFile} <==\n${r.stderr}`,
};

export const runsCommands = [runsListCommand, runsShowCommand, runsCompareCommand, runsCancelCommand, runsDeleteCommand, runsLogsCommand];
