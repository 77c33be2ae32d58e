import { spawn, type ChildProcess } from 'node:child_process';
import { buildSync } from 'esbuild';
import { mkdtempSync, promises as fs, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after } from 'node:test';
import type { StoreLayout } from '../../../src/core/workspace/layout';
import { initStore } from '../../../src/core/workspace/root';

const projectRoot = path.resolve(__dirname, '../../..');
export const CLI = path.join(projectRoot, 'src/cli/index.ts');
export const PYTHON_DIR = path.join(projectRoot, 'python');

let bundled: string | undefined;

/**
 * The CLI from the current sources, bundled the way scripts/build.mjs bundles dist/cli.js (once per test file):
 * a plain `node cli.js` starts in a fraction of the time tsx needs, and the tests start many.
 */
function cliBundle(): string {
  if (!bundled) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lathe-cli-'));
    const outfile = path.join(dir, 'cli.js');
    buildSync({ entryPoints: [CLI], outfile, bundle: true, platform: 'node', target: 'node20', format: 'cjs', external: ['vscode', 'onnxruntime-node'], logLevel: 'error' });
    // not after(): called inside a test, that would remove the bundle when the first test ends
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    bundled = outfile;
  }
  return bundled;
}

/** A fresh workspace with its store, removed when the test file ends. */
export async function tempWorkspace(): Promise<StoreLayout> {
  const root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'lathe-runs-')));
  after(() => fs.rm(root, { recursive: true, force: true }));
  return initStore(root);
}

/** `node -e <script>` as a run command. */
export const nodeScript = (script: string): string[] => [process.execPath, '-e', script];

/** Start the real CLI in `cwd` (NODE_PATH: the bundle lives outside the project but loads its native modules). */
export function spawnCli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, [cliBundle(), ...args], {
    cwd,
    env: { ...process.env, NODE_PATH: path.join(projectRoot, 'node_modules'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function finished(child: ChildProcess): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

export function runCli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return finished(spawnCli(args, cwd, env));
}

/** Poll until `check` returns a value (not undefined/false); fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function readText(file: string): Promise<string> {
  return fs.readFile(file, 'utf8').catch(() => '');
}
