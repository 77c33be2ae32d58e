// Idempotent installers used by `npm start`, `npm test` and `npm run bench` (plain Node: runs before npm install).
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, realpathSync } from 'node:fs';
import * as path from 'node:path';

export const projectRoot = path.resolve(new URL('../..', import.meta.url).pathname);

export function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: projectRoot, ...options });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
  }
  return r;
}

/** The packages package-lock.json pins for package.json's direct dependencies that node_modules lacks or has at another version. */
function missingDependencies() {
  const manifest = readJson(path.join(projectRoot, 'package.json'));
  const lock = readJson(path.join(projectRoot, 'package-lock.json'));
  const names = Object.keys({ ...manifest.dependencies, ...manifest.devDependencies });
  return names.filter((name) => {
    const wanted = lock.packages?.[`node_modules/${name}`]?.version;
    const installed = path.join(projectRoot, 'node_modules', name, 'package.json');
    return !existsSync(installed) || (wanted !== undefined && readJson(installed).version !== wanted);
  });
}

/**
 * npm ci when a direct dependency is missing or not at its locked version. Compares contents, not file times:
 * worktrees and fresh clones have new lock files next to a good node_modules. A node_modules that is a symlink
 * (a worktree sharing another checkout's install) is never reinstalled: npm ci would empty the shared folder.
 */
export function ensureNodeModules() {
  const missing = missingDependencies();
  if (missing.length === 0) return;
  const nodeModules = path.join(projectRoot, 'node_modules');
  if (existsSync(nodeModules) && lstatSync(nodeModules).isSymbolicLink()) {
    throw new Error(
      `node_modules is a link to ${realpathSync(nodeModules)} and lacks ${missing.join(', ')}: install there (npm ci), not through the link`,
    );
  }
  console.log(`[lathe] installing npm dependencies (npm ci): ${missing.join(', ')} missing or at another version`);
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
