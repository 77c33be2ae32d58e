// Idempotent installers used by `npm start`, `npm test` and `npm run bench` (plain Node: runs before npm install).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

export const projectRoot = path.resolve(new URL('../..', import.meta.url).pathname);

export function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: projectRoot, ...options });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
  }
  return r;
}

/**
 * npm ci when node_modules is missing or older than the lock file. npm rewrites its own hidden lock file
 * (node_modules/.package-lock.json) on every install, so it tells whether node_modules matches package-lock.json
 * whichever way the dependencies were installed.
 */
export function ensureNodeModules() {
  const lock = path.join(projectRoot, 'package-lock.json');
  const installed = path.join(projectRoot, 'node_modules', '.package-lock.json');
  if (existsSync(installed) && statSync(installed).mtimeMs >= statSync(lock).mtimeMs) return;
  console.log('[lathe] installing npm dependencies (npm ci)');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

function dpkgInstalled(pkg) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('install ok installed');
}

/** apt-get install the Debian packages that are missing (needs root, as on this machine kind). */
export function ensureAptPackages(packages) {
  const missing = packages.filter((p) => !dpkgInstalled(p));
  if (missing.length === 0) return;
  console.log(`[lathe] installing Debian packages: ${missing.join(' ')}`);
  const sudo = process.getuid && process.getuid() !== 0 ? ['sudo'] : [];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (args) => run(sudo[0] ?? 'apt-get', sudo.length ? ['apt-get', ...args] : args, { env });
  apt(['update', '-qq']);
  apt(['install', '-y', '-qq', '--no-install-recommends', ...missing]);
}

export function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}
