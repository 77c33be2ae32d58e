// An idempotent Python environment with ONNX Runtime's own quantizer, the reference the quantize tests and the
// bench compare Lathe with. Installs from the machine's local wheel mirror only (the public index is unreachable
// there and pip would retry it for minutes). Usage: node scripts/lib/python-env.mjs  (prints the python path)
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

// onnx-ir: ORT's int4 quantizer (matmul_nbits_quantizer) imports it
export const PYTHON_PACKAGES = ['onnxruntime==1.30.0', 'onnx', 'onnx-ir', 'numpy'];

export function pythonEnvDir() {
  const cache = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cache, 'lathe', 'pyenv');
}

function run(cmd, args, timeout) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
  return { ok: r.status === 0, output: r.error ? r.error.message : output };
}

/** The index URLs pip is configured with (`global.extra-index-url`): the local mirror, or [] when there is none. */
function mirrorUrls() {
  const r = run('python3', ['-m', 'pip', 'config', 'get', 'global.extra-index-url'], 30_000);
  return r.ok ? r.output.split(/\s+/).filter(Boolean) : [];
}

/**
 * Create (once) the venv holding `packages` (default PYTHON_PACKAGES). Returns { python } or { error } with the
 * reason it cannot be made; never throws, so tests can skip with that reason.
 */
export function ensurePythonEnv({ dir = pythonEnvDir(), packages = PYTHON_PACKAGES, log = () => {} } = {}) {
  const python = path.join(dir, 'bin', 'python');
  const stamp = path.join(dir, '.lathe-packages');
  const wanted = packages.join('\n');
  if (existsSync(python) && existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) return { python };
  const urls = mirrorUrls();
  if (urls.length === 0) return { error: 'no local wheel mirror: `pip config get global.extra-index-url` prints nothing' };
  log(`[lathe] creating the Python reference environment in ${dir}`);
  if (!existsSync(python)) {
    const venv = run('python3', ['-m', 'venv', dir], 120_000);
    if (!venv.ok) {
      rmSync(dir, { recursive: true, force: true });
      return { error: `python3 -m venv failed: ${venv.output.split('\n').at(-1)}` };
    }
  }
  const index = ['--index-url', urls[0], ...urls.slice(1).flatMap((u) => ['--extra-index-url', u])];
  const pip = run(python, ['-m', 'pip', 'install', '--quiet', ...index, ...packages], 600_000);
  if (!pip.ok) return { error: `pip install ${packages.join(' ')} failed: ${pip.output.split('\n').at(-1)}` };
  writeFileSync(stamp, wanted);
  return { python };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const env = ensurePythonEnv({ log: console.log });
  if (env.error) {
    console.error(env.error);
    process.exit(1);
  }
  console.log(env.python);
}
