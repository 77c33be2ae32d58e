import { startRun } from '../core/runs';
import type { ParamValue } from '../core/runs/record';
import { LatheError } from '../core/workspace/errors';
import { whileCancellable } from './cancel';
import type { CliArgs, CliContext } from './command';

/** The tracked run this process belongs to (LATHE_RUN_ID): inside one a command does its work itself. */
export function currentRunId(): string | undefined {
  return process.env.LATHE_RUN_ID || undefined;
}

/** The command line that parsed into `args`, for the same command (positionals first, then every option). */
function argvOf(path: string[], args: CliArgs): string[] {
  const argv = [...path, ...args.positionals];
  for (const [key, value] of Object.entries(args.options)) {
    if (value === true) argv.push(`--${key}`);
    else if (typeof value === 'string') argv.push(`--${key}`, value);
    else if (Array.isArray(value)) for (const v of value) argv.push(`--${key}`, v);
  }
  return argv;
}

/**
 * Run this same CLI command again as a tracked run (params, metric curves from `--metrics`, logs, git state):
 * every training is a run, even when started from a terminal. The child has LATHE_RUN_ID, so it does the work;
 * its stderr is echoed as it comes, and its `--json` answer, with the run id as `run`, becomes this command's
 * result (or error).
 */
export async function rerunAsTrackedRun<R>(ctx: CliContext, path: string[], spec: { name?: string; params: Record<string, ParamValue>; tags: string[] }): Promise<R & { run: string }> {
  const layout = await ctx.store();
  const options = { ...ctx.args.options, json: true, metrics: true };
  const command = [process.execPath, ...process.execArgv, process.argv[1], ...argvOf(path, { ...ctx.args, options })];
  let stdout = '';
  // aborting the run's signal cancels the run, before or after it has started
  return whileCancellable(async (signal) => {
    const handle = await startRun(layout, { command, name: spec.name, params: spec.params, tags: spec.tags, cwd: ctx.cwd }, {
      signal,
      onOutput: (stream, chunk) => (stream === 'stdout' ? (stdout += chunk.toString()) : process.stderr.write(chunk)),
    });
    process.stderr.write(`lathe: run ${handle.record.name} (${handle.id}) started\n`);
    const record = await handle.done;
    const answer = stdout.split('\n').reverse().find((line) => line.startsWith('{"ok":'));
    if (record.status === 'cancelled') throw new LatheError('cancelled', `run ${record.name} (${record.id}) was cancelled`);
    if (!answer) throw new LatheError('run-failed', `run ${record.name} (${record.id}) ${record.status} without an answer${record.error ? `: ${record.error}` : ''}`);
    const body = JSON.parse(answer) as { ok: boolean; result?: R; error?: { code: string; message: string } };
    if (!body.ok) throw new LatheError(body.error?.code ?? 'run-failed', body.error?.message ?? 'the run failed');
    return { ...(body.result as R), run: record.id };
  });
}
