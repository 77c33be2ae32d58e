// Installs what the e2e suite and `npm start` need, idempotently and offline (npm registry + Debian apt only):
// Debian's Chromium, the build dependencies of code-server's native modules, and code-server itself in a cache folder.
// code-server 4.100.x is VS Code 1.100 and the newest line that runs on Node 20.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import * as path from 'node:path';
import { startCodeServer } from './code-server.mjs';
import { ensureAptPackages, run } from './ensure.mjs';

export const CODE_SERVER_VERSION = '4.100.3';

/** Debian packages: native-module build dependencies, ripgrep (VS Code search), Chromium, sklearn's data sets (demo). */
export const E2E_APT_PACKAGES = [
  'g++', 'make', 'python3', 'pkg-config',
  'libkrb5-dev', 'libsecret-1-dev', 'libxkbfile-dev', 'libx11-dev',
  'ripgrep', 'chromium', 'python3-sklearn', 'git',
];

const CHROMIUM = '/usr/bin/chromium';
const STAMP = '.lathe-install-complete';

export function codeServerDir() {
  const cache = process.env.XDG_CACHE_HOME || path.join(homedir(), '.cache');
  return path.join(cache, 'lathe', `code-server-${CODE_SERVER_VERSION}`);
}

function log(message) {
  console.log(`[lathe] ${message}`);
}

/** npm with the environment the native builds need; `yes` answers the `npx node-gyp` prompt of node-pty's script. */
function npm(args, cwd) {
  const env = { ...process.env, npm_config_yes: 'true', npm_config_update_notifier: 'false' };
  // node-gyp downloads Node's headers unless told where they are: use the system's when it has them (no internet)
  if (!env.npm_config_nodedir && existsSync(path.join(path.dirname(process.execPath), '..', 'include', 'node', 'node.h'))) {
    env.npm_config_nodedir = path.resolve(path.dirname(process.execPath), '..');
  }
  run('npm', [...args, '--no-audit', '--no-fund'], { cwd, env });
}

/** The native addons code-server loads at startup; an install that cannot load them is broken. */
const NATIVE_MODULES = ['node-pty', '@parcel/watcher', '@vscode/spdlog', 'native-watchdog', 'kerberos'];

/** Loads each addon in a child Node (some are built here, @parcel/watcher comes prebuilt in a platform package). */
function assertNativeModulesLoad(dir) {
  const vscode = path.join(dir, 'node_modules/code-server/lib/vscode');
  const probe = `for (const m of ${JSON.stringify(NATIVE_MODULES)}) { try { require(m) } catch (e) { console.log(m + ': ' + e.message.split('\\n')[0]) } }`;
  const r = spawnSync(process.execPath, ['-e', probe], { cwd: vscode, encoding: 'utf8' });
  const failures = `${r.stdout}${r.status === 0 ? '' : r.stderr}`.trim();
  if (failures) throw new Error(`code-server install is incomplete, native modules do not load:\n  ${failures.split('\n').join('\n  ')}`);
}

/** The recipe of /work/shared/recipes.md, into `dir` (a fresh folder). */
function installCodeServer(dir) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'lathe-code-server', private: true }));
  log(`npm install code-server@${CODE_SERVER_VERSION}`);
  npm(['install', '--ignore-scripts', `code-server@${CODE_SERVER_VERSION}`], dir);
  const vscode = path.join(dir, 'node_modules/code-server/lib/vscode');
  log('installing the VS Code server dependencies');
  npm(['install', '--omit=dev', '--ignore-scripts', '--unsafe-perm'], vscode);
  // @vscode/ripgrep's postinstall downloads rg: use Debian's
  const rgBin = path.join(vscode, 'node_modules/@vscode/ripgrep/bin');
  mkdirSync(rgBin, { recursive: true });
  copyFileSync('/usr/bin/rg', path.join(rgBin, 'rg'));
  log('building native modules (node-pty, @parcel/watcher, spdlog, ...)');
  npm(['rebuild', '--unsafe-perm'], vscode);
  symlinkSync('node_modules', path.join(vscode, 'node_modules.asar'));
  symlinkSync('code-linux.sh', path.join(vscode, 'bin/remote-cli/code-server'));
  symlinkSync('browser-linux.sh', path.join(vscode, 'bin/helpers/browser.sh'));
  log('installing the built-in extensions\' dependencies');
  npm(['install', '--omit=dev', '--unsafe-perm'], path.join(vscode, 'extensions'));
  npm(['rebuild', 'argon2', '--unsafe-perm'], dir);
  assertNativeModulesLoad(dir);
}

/** Proves the install serves a workbench before it is stamped complete. */
async function smokeStart(dir) {
  const scratch = path.join(tmpdir(), `lathe-code-server-check-${process.pid}`);
  mkdirSync(path.join(scratch, 'workspace'), { recursive: true });
  try {
    const server = await startCodeServer({
      codeServerBin: path.join(dir, 'node_modules/.bin/code-server'),
      workspace: path.join(scratch, 'workspace'),
      extensionsDir: path.join(scratch, 'extensions'),
      userDataDir: path.join(scratch, 'data'),
    });
    await server.stop();
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Leftovers of interrupted installs (`<target>.tmp-<pid>` whose process is gone). */
function removeStaleTemps(target) {
  const parent = path.dirname(target);
  const prefix = `${path.basename(target)}.tmp-`;
  for (const name of existsSync(parent) ? readdirSync(parent) : []) {
    if (name.startsWith(prefix) && !pidAlive(Number(name.slice(prefix.length)))) {
      rmSync(path.join(parent, name), { recursive: true, force: true });
    }
  }
}

/** Installs what is missing; returns the code-server launcher and the Chromium binary. */
export async function ensureE2eTools() {
  ensureAptPackages(E2E_APT_PACKAGES);
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing after installing the chromium package`);
  const dir = codeServerDir();
  const codeServerBin = path.join(dir, 'node_modules/.bin/code-server');
  if (!existsSync(path.join(dir, STAMP))) {
    const started = Date.now();
    log(`installing code-server ${CODE_SERVER_VERSION} into ${dir} (2-3 minutes, once)`);
    removeStaleTemps(dir);
    // an interrupted install leaves only a temp folder: the target appears complete or not at all
    const temp = `${dir}.tmp-${process.pid}`;
    rmSync(temp, { recursive: true, force: true });
    installCodeServer(temp);
    await smokeStart(temp);
    writeFileSync(path.join(temp, STAMP), new Date().toISOString());
    rmSync(dir, { recursive: true, force: true });
    renameSync(temp, dir);
    log(`code-server installed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
  return { codeServerBin, chromiumPath: CHROMIUM };
}
