import { constants as os } from 'node:os';
import { parseParamAssignments, startRun, type RunHandle, type RunRecord } from '../../core/runs';
import { LatheError } from '../../core/workspace/errors';
import { listOption, stringOption, type CliCommand } from '../command';

const EXIT_CANCELLED = 130;
const EXIT_NOT_STARTED = 127;
const CANCEL_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** The shell convention: the command's code, 128 + signal number when it was killed, 130 when cancelled. */
export function runExitCode(record: RunRecord): number {
  if (record.status === 'cancelled') return EXIT_CANCELLED;
  if (record.exitCode !== null) return record.exitCode;
  if (record.signal) return 128 + (os.signals[record.signal as NodeJS.Signals] ?? 0);
  return record.status === 'completed' ? 0 : record.pid === undefined ? EXIT_NOT_STARTED : 1;
}

/** Echo to a terminal stream that may close early (`lathe run ... | head`): then stop echoing, keep the run going. */
function echoTo(stream: NodeJS.WriteStream): (chunk: Buffer) => void {
  let open = true;
  stream.on('error', () => (open = false));
  return (chunk) => {
    if (open) stream.write(chunk);
  };
}

export const runCommand: CliCommand<RunRecord> = {
  path: ['run'],
  usage: 'run [--name N] [--param k=v]... [--tag t]... -- <command...>',
  summary: 'run a command as a tracked experiment (params, metrics, logs, git state)',
  options: {
    name: { type: 'string', description: 'a name for the run (default: a generated one)' },
    param: { type: 'string', multiple: true, short: 'p', description: 'a parameter k=v (numbers and true/false are parsed)' },
    tag: { type: 'string', multiple: true, description: 'a tag for the run' },
  },
  async run(ctx) {
    if (ctx.args.positionals.length) {
      throw new LatheError('usage', `unexpected '${ctx.args.positionals[0]}' before --`, { hint: 'put the command after --: lathe run [options] -- <command...>' });
    }
    const params = parseParamAssignments(listOption(ctx.args, 'param'));
    const layout = await ctx.store();
    const [toStdout, toStderr] = [echoTo(process.stdout), echoTo(process.stderr)];
    // Ctrl+C reaches only lathe (the command has its own process group): lathe stops the whole tree and records it.
    const controller = new AbortController();
    let handle: RunHandle | undefined;
    const onSignal = () => (handle ? void handle.cancel() : controller.abort());
    for (const s of CANCEL_SIGNALS) process.on(s, onSignal);
    try {
      handle = await startRun(
        layout,
        { command: ctx.args.rest, name: stringOption(ctx.args, 'name'), params, tags: listOption(ctx.args, 'tag'), cwd: ctx.cwd },
        {
          signal: controller.signal,
          // with --json, stdout carries only the final record
          onOutput: (stream, chunk) => (stream === 'stdout' && !ctx.json ? toStdout : toStderr)(chunk),
        },
      );
      if (handle.record.status === 'running') toStderr(Buffer.from(`lathe: run ${handle.record.name} (${handle.id}) started\n`));
      return await handle.done;
    } finally {
      for (const s of CANCEL_SIGNALS) process.off(s, onSignal);
    }
  },
  format: (r) =>
    `lathe: run ${r.name} (${r.id}) ${r.status}${r.exitCode !== null ? ` with exit code ${r.exitCode}` : ''}${r.error && r.status !== 'completed' ? `: ${r.error}` : ''}`,
  exitCode: runExitCode,
};
