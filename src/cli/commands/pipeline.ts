import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { topologicalOrder } from '../../core/pipeline/dag';
import {
  analyzePipelineFile,
  formatDiagnostic,
  renderDagSvg,
  runPipeline,
  type LoadedPipeline,
  type PipelineRunResult,
  type StageStatus,
} from '../../core/pipeline/runner';
import { FileStoreIndex } from '../../core/pipeline/store';
import { writeFileAtomic } from '../../core/workspace/atomic';
import { LatheError } from '../../core/workspace/errors';
import { layoutFor, PIPELINE_FILE, STORE_DIR } from '../../core/workspace/layout';
import { findRoot } from '../../core/workspace/root';
import { flag, stringOption, type CliCommand, type CliContext } from '../command';
import { EXIT_CANCELLED, whileCancellable } from '../cancel';

/** The pipeline file named on the command line (relative to cwd), or `lathe.yaml` in the workspace root. */
async function pipelineFile(ctx: CliContext, given: string | undefined): Promise<string> {
  if (given) return path.resolve(ctx.cwd, given);
  return path.join((await findRoot(ctx.cwd)) ?? ctx.cwd, PIPELINE_FILE);
}

export interface ValidateResult {
  file: string;
  errors: number;
  warnings: number;
  /** Lines and columns are 1-based. */
  diagnostics: { line: number; column: number; endLine: number; endColumn: number; severity: string; code: string; message: string; text: string }[];
}

export const pipelineValidateCommand: CliCommand<ValidateResult> = {
  path: ['pipeline', 'validate'],
  usage: 'pipeline validate [file]',
  summary: 'check a pipeline file: every diagnostic as file:line:col (exit 1 when there are errors)',
  async run(ctx) {
    const file = await pipelineFile(ctx, ctx.args.positionals[0]);
    const root = path.dirname(file);
    const hasStore = await fs.stat(path.join(root, STORE_DIR)).then((s) => s.isDirectory(), () => false);
    const store = hasStore ? await new FileStoreIndex(layoutFor(root)).snapshot() : undefined;
    const loaded = await analyzePipelineFile(file, store);
    const lines = loaded.analysis.file.lines;
    const diagnostics = loaded.analysis.diagnostics.map((d) => {
      const { start, end } = lines.range(d.span);
      return { line: start.line + 1, column: start.character + 1, endLine: end.line + 1, endColumn: end.character + 1, severity: d.severity, code: d.code, message: d.message, text: formatDiagnostic(loaded, d) };
    });
    const count = (s: string) => diagnostics.filter((d) => d.severity === s).length;
    return { file: loaded.file, errors: count('error'), warnings: count('warning'), diagnostics };
  },
  format: (r) => [...r.diagnostics.map((d) => d.text), `${r.file}: ${r.errors} error(s), ${r.warnings} warning(s)`].join('\n'),
  exitCode: (r) => (r.errors ? 1 : 0),
};

export interface DagResult {
  file: string;
  /** In dependency order. */
  stages: { name: string; cmd?: string; uses?: string; deps: string[]; outs: string[]; needs: string[] }[];
  edges: { from: string; to: string; kind: string }[];
  /** Errors in the pipeline: the picture may be incomplete. */
  errors: number;
  svg?: string;
}

function dagOf(loaded: LoadedPipeline): DagResult {
  const { model, dag } = loaded.analysis;
  const { order, cyclic } = topologicalOrder(dag);
  const stages = [...order, ...cyclic].map((name) => {
    const s = model.stages.get(name)!;
    return {
      name,
      ...(s.cmd ? { cmd: s.cmd.value } : {}),
      ...(s.uses ? { uses: s.uses.value } : {}),
      deps: s.deps.map((d) => d.value),
      outs: s.outs.map((o) => o.value),
      needs: dag.edges.filter((e) => e.to === name).map((e) => e.from),
    };
  });
  const errors = loaded.analysis.diagnostics.filter((d) => d.severity === 'error').length;
  return { file: loaded.file, stages, edges: dag.edges.map(({ from, to, kind }) => ({ from, to, kind })), errors };
}

export const pipelineDagCommand: CliCommand<DagResult> = {
  path: ['pipeline', 'dag'],
  usage: 'pipeline dag [--file lathe.yaml] [--svg out.svg]',
  summary: 'show the stages in dependency order with what each needs; --svg draws the DAG',
  options: {
    file: { type: 'string', description: 'the pipeline file (default: lathe.yaml in the workspace root)' },
    svg: { type: 'string', description: 'also write the DAG as an SVG picture to this file' },
  },
  async run(ctx) {
    const loaded = await analyzePipelineFile(await pipelineFile(ctx, stringOption(ctx.args, 'file')));
    const result = dagOf(loaded);
    const svg = stringOption(ctx.args, 'svg');
    if (svg) {
      result.svg = path.resolve(ctx.cwd, svg);
      const details = Object.fromEntries(result.stages.map((s) => [s.name, s.cmd ?? `uses: ${s.uses ?? '?'}`]));
      await writeFileAtomic(result.svg, renderDagSvg(loaded.analysis.dag, { details }));
    }
    return result;
  },
  format: (r) => {
    const lines = r.stages.map((s) => `${s.name}${s.needs.length ? `  <- ${s.needs.join(', ')}` : ''}`);
    if (r.errors) lines.push(`warning: the pipeline has ${r.errors} error(s); run \`lathe pipeline validate\``);
    if (r.svg) lines.push(`wrote ${r.svg}`);
    return lines.join('\n');
  },
};

const STATUS_TEXT: Record<StageStatus, string> = {
  'ran': 'ran',
  'up-to-date': 'skipped (up to date)',
  'failed': 'FAILED',
  'upstream-failed': 'not run (upstream failed)',
  'cancelled': 'cancelled',
  'would-run': 'would run',
};

export const pipelineRunCommand: CliCommand<PipelineRunResult> = {
  path: ['pipeline', 'run'],
  usage: 'pipeline run [stage...] [--force] [--dry-run] [--jobs N]',
  summary: 'run the stages that are not up to date (and those given, with their upstream)',
  options: {
    file: { type: 'string', description: 'the pipeline file (default: lathe.yaml in the workspace root)' },
    force: { type: 'boolean', short: 'f', description: 'run the selected stages even when they are up to date' },
    'dry-run': { type: 'boolean', short: 'n', description: 'show what would run and why; run nothing' },
    jobs: { type: 'string', short: 'j', description: 'stages running at the same time (default: the number of CPUs)' },
  },
  async run(ctx) {
    const jobsText = stringOption(ctx.args, 'jobs');
    if (jobsText !== undefined && !/^\d+$/.test(jobsText)) throw new LatheError('usage', `--jobs must be a whole number ≥ 1, got '${jobsText}'`);
    const layout = await ctx.store();
    const given = stringOption(ctx.args, 'file');
    return whileCancellable(async (signal) => {
      return await runPipeline(
        layout,
        { file: given ? path.resolve(ctx.cwd, given) : undefined, targets: ctx.args.positionals, force: flag(ctx.args, 'force'), dryRun: flag(ctx.args, 'dry-run'), jobs: jobsText === undefined ? undefined : Number(jobsText) },
        { signal, log: (line) => process.stderr.write(`${line}\n`) },
      );
    });
  },
  format: (r) => {
    const width = Math.max(...r.stages.map((s) => s.stage.length), 5);
    const lines = r.stages.map((s) => `${s.stage.padEnd(width)}  ${STATUS_TEXT[s.status]}${s.status === 'ran' || s.status === 'would-run' ? ` (${s.reason})` : s.status === 'up-to-date' ? '' : `: ${s.reason}`}${s.runId ? `  run ${s.runId}` : ''}`);
    if (!r.stages.length) lines.push('no stages');
    return lines.join('\n');
  },
  exitCode: (r) => (r.cancelled ? EXIT_CANCELLED : r.ok ? 0 : 1),
};

export const pipelineCommands = [pipelineValidateCommand, pipelineDagCommand, pipelineRunCommand];
