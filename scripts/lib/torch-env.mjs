// An idempotent venv with PyTorch 2.x (CPU) from the machine's local wheel mirror: the second PyTorch peer of the
// training benches (the first is Debian's python3-torch 1.13). Kept apart from the test venv, which must stay small.
// Usage: node scripts/lib/torch-env.mjs  (prints the python path, or the reason it cannot be made, exit 1)
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensurePythonEnv, pythonEnvDir } from './python-env.mjs';

export const TORCH_PACKAGES = ['torch', 'numpy'];

export function torchEnvDir() {
  return path.join(path.dirname(pythonEnvDir()), 'torch-venv');
}

/** { python } or { error } (the exact pip or venv error); never throws. */
export function ensureTorchEnv({ log = () => {} } = {}) {
  return ensurePythonEnv({ dir: torchEnvDir(), packages: TORCH_PACKAGES, log });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const env = ensureTorchEnv({ log: console.error });
  if (env.error) {
    console.error(env.error);
    process.exit(1);
  }
  console.log(env.python);
}
