import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { main } from '../../../src/cli/main';
import { initStore } from '../../../src/core/workspace/root';
import type { StoreLayout } from '../../../src/core/workspace/layout';

export const FIXTURES = path.join(__dirname, 'fixtures');
/** tsx resolved from the project, so a child process can run TypeScript with any working directory. */
export const TSX = pathToFileURL(require.resolve('tsx')).href;

export async function tempWorkspace(): Promise<StoreLayout> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'lathe-data-'));
  return initStore(root);
}

export async function removeWorkspace(layout: StoreLayout): Promise<void> {
  // blobs are read-only; rm -rf copes, but a hard-linked checkout keeps its mode
  await fs.rm(layout.root, { recursive: true, force: true });
}

export async function write(root: string, rel: string, data: string | Buffer): Promise<string> {
  const file = path.join(root, rel);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, data);
  return file;
}

export function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', ['-c', 'user.name=Lathe Test', '-c', 'user.email=test@lathe.invalid', ...args], { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

/** Run the CLI in this process (its real argument parsing and output), capturing what it prints. */
export async function lathe(cwd: string, ...args: string[]): Promise<{ status: number; stdout: string; stderr: string; json: any }> {
  const out: string[] = [];
  const err: string[] = [];
  const stdoutWrite = process.stdout.write;
  const stderrWrite = process.stderr.write;
  process.stdout.write = ((chunk: string) => out.push(String(chunk)) > 0) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => err.push(String(chunk)) > 0) as typeof process.stderr.write;
  let status: number;
  try {
    status = await main(args, cwd);
  } finally {
    process.stdout.write = stdoutWrite;
    process.stderr.write = stderrWrite;
  }
  const stdout = out.join('');
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    json = undefined;
  }
  return { status, stdout, stderr: err.join(''), json };
}
