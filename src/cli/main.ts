import { parseArgs } from 'node:util';
import { describeError, isLatheError } from '../core/workspace/errors';
import { openStore } from '../core/workspace/root';
import type { CliArgs, CliCommand, CliContext } from './command';
import { commands } from './commands';

const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;

/** The command list, or a group's (`lathe model` lists the model commands). */
function usageText(group?: string): string {
  const lines = [`usage: lathe ${group ?? '<command>'}${group ? ' <command>' : ''} [options] [--json]`, '', 'commands:'];
  for (const c of commands) if (!group || c.path[0] === group) lines.push(`  ${c.usage.padEnd(58)} ${c.summary}`);
  return lines.join('\n');
}

function selectCommand(argv: string[]): { command: CliCommand; tail: string[] } | undefined {
  let best: { command: CliCommand; tail: string[] } | undefined;
  for (const command of commands) {
    const n = command.path.length;
    if (command.path.every((w, i) => argv[i] === w) && (!best || n > best.command.path.length)) {
      best = { command, tail: argv.slice(n) };
    }
  }
  return best;
}

function parse(command: CliCommand, tail: string[]): CliArgs {
  const dash = tail.indexOf('--');
  const own = dash >= 0 ? tail.slice(0, dash) : tail;
  const rest = dash >= 0 ? tail.slice(dash + 1) : [];
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  };
  for (const [name, spec] of Object.entries(command.options ?? {})) {
    // parseArgs rejects keys that are present but undefined
    options[name] = { type: spec.type, ...(spec.multiple ? { multiple: true } : {}), ...(spec.short ? { short: spec.short } : {}) };
  }
  const parsed = parseArgs({ args: own, options, allowPositionals: true, strict: true });
  return { positionals: parsed.positionals, options: parsed.values as CliArgs['options'], rest };
}

function helpFor(command: CliCommand): string {
  const lines = [`usage: lathe ${command.usage}`, '', command.summary];
  const opts = Object.entries(command.options ?? {});
  if (opts.length) lines.push('', 'options:');
  for (const [name, spec] of opts) {
    const flagText = `--${name}${spec.type === 'string' ? ' <value>' : ''}${spec.short ? `, -${spec.short}` : ''}`;
    lines.push(`  ${flagText.padEnd(28)} ${spec.description}${spec.multiple ? ' (repeatable)' : ''}`);
  }
  lines.push(`  ${'--json'.padEnd(28)} print the result as JSON`);
  return lines.join('\n');
}

/** Run the CLI; returns the exit code (the caller decides whether to exit). */
export async function main(argv: string[], cwd = process.cwd()): Promise<number> {
  // only lathe's own options: `lathe run -- tool --json` passes --json to the tool
  const json = (argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv).includes('--json');
  const fail = (code: string, message: string, exit: number): number => {
    if (json) process.stdout.write(JSON.stringify({ ok: false, error: { code, message } }) + '\n');
    else process.stderr.write(`lathe: ${message}\n`);
    return exit;
  };
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === 'help') {
    process.stdout.write(usageText() + '\n');
    return argv.length === 0 ? EXIT_USAGE : 0;
  }
  const selected = selectCommand(argv);
  const group = commands.some((c) => c.path.length > 1 && c.path[0] === argv[0]) ? argv[0] : undefined;
  if (!selected && group && (argv.length === 1 || argv[1] === '--help' || argv[1] === 'help')) {
    process.stdout.write(usageText(group) + '\n');
    return argv.length === 1 ? EXIT_USAGE : 0;
  }
  if (!selected) return fail('usage', `unknown command '${argv.slice(0, 2).join(' ')}' (see lathe --help)`, EXIT_USAGE);
  let args: CliArgs;
  try {
    args = parse(selected.command, selected.tail);
  } catch (e) {
    return fail('usage', `${describeError(e)} (see lathe ${selected.command.path.join(' ')} --help)`, EXIT_USAGE);
  }
  if (args.options.help) {
    process.stdout.write(helpFor(selected.command) + '\n');
    return 0;
  }
  const ctx: CliContext = {
    cwd,
    args,
    json,
    store: () => openStore(cwd),
    print: (line) => {
      if (!json) process.stdout.write(line + '\n');
    },
  };
  try {
    const result = await selected.command.run(ctx);
    if (json) process.stdout.write(JSON.stringify({ ok: true, result }) + '\n');
    else if (selected.command.format) {
      const text = selected.command.format(result);
      if (text) process.stdout.write(text.endsWith('\n') ? text : text + '\n');
    }
    return selected.command.exitCode?.(result) ?? 0;
  } catch (e) {
    if (isLatheError(e)) return fail(e.code, describeError(e), e.code === 'usage' ? EXIT_USAGE : EXIT_FAILURE);
    return fail('internal', describeError(e), EXIT_FAILURE);
  }
}
