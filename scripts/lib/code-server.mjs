// Installs the extension into an extensions folder and runs code-server on it: shared by `npm start` and the e2e harness.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import * as path from 'node:path';
import { projectRoot } from './ensure.mjs';

/** What a packaged extension contains (see .vscodeignore) plus node_modules for the native runtime it loads. */
const EXTENSION_ENTRIES = ['package.json', 'README.md', 'LICENSE', 'dist', 'media', 'syntaxes', 'language-configuration.json', 'schemas', 'python', 'node_modules'];

/**
 * Installs the project as `<publisher>.<name>-<version>/` in `extensionsDir`: a copy of what a packaged extension
 * contains, except node_modules, which is a symlink into the project. The code must be a real copy: VS Code maps
 * `require('vscode')` to an extension by the real path of the requiring file, and a symlinked dist/ resolves outside
 * the extension folder (the extension then gets an API without its identity). Reinstall after a rebuild.
 */
export function installExtension(extensionsDir, root = projectRoot) {
  const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const id = `${manifest.publisher}.${manifest.name}`;
  const folder = path.join(extensionsDir, `${id}-${manifest.version}`);
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  for (const entry of EXTENSION_ENTRIES) {
    const source = path.join(root, entry);
    if (!existsSync(source)) continue;
    if (entry === 'node_modules') symlinkSync(source, path.join(folder, entry));
    else cpSync(source, path.join(folder, entry), { recursive: true });
  }
  return { id, folder, version: manifest.version };
}

/** The settings every session starts with: quiet, offline, no prompts; `settings` override them. */
export function userSettings({ theme = 'Default Dark Modern', restrictedMode = false, settings = {} } = {}) {
  return {
    'workbench.colorTheme': theme,
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'extensions.autoUpdate': false,
    'extensions.autoCheckUpdates': false,
    'extensions.ignoreRecommendations': true,
    'git.autofetch': false,
    'git.openRepositoryInParentFolders': 'never',
    'security.workspace.trust.enabled': restrictedMode,
    // an untrusted folder opens in Restricted Mode instead of behind a modal prompt
    'security.workspace.trust.startupPrompt': 'never',
    'security.workspace.trust.emptyWindow': false,
    ...settings,
  };
}

/** Writes `User/settings.json` into a (new) user-data-dir. */
export function writeUserSettings(userDataDir, settings) {
  mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  writeFileSync(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
}

function portIsFree(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** `preferred` when it is free on loopback, else a port the OS picks. */
export async function freePort(preferred) {
  if (preferred && (await portIsFree(preferred))) return preferred;
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false; // the group is gone
  }
}

function groupAlive(pid) {
  return killGroup(pid, 0);
}

async function waitFor(what, timeoutMs, probe) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Starts code-server on loopback in its own process group (it leaves a file watcher and the extension host behind:
 * `stop()` kills the whole group, never processes by name). Resolves once `/healthz` answers.
 * Its output goes to `logFile`; VS Code's own logs (extension host...) are under `<userDataDir>/logs`.
 */
export async function startCodeServer({
  codeServerBin,
  workspace,
  extensionsDir,
  userDataDir,
  port,
  restrictedMode = false,
  logFile = path.join(userDataDir, 'code-server.log'),
  timeoutMs = 60_000,
}) {
  port ??= await freePort();
  mkdirSync(extensionsDir, { recursive: true });
  mkdirSync(userDataDir, { recursive: true });
  const args = [
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    // its own config file so the user's ~/.config/code-server is neither read nor created
    '--config', path.join(userDataDir, 'code-server.yaml'),
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
    '--extensions-dir', extensionsDir,
    '--user-data-dir', userDataDir,
    ...(restrictedMode ? [] : ['--disable-workspace-trust']),
    workspace,
  ];
  const out = openSync(logFile, 'a');
  const child = spawn(codeServerBin, args, { detached: true, stdio: ['ignore', out, out], cwd: workspace });
  const pid = child.pid;
  let exited = null;
  child.once('exit', (code, signal) => (exited = { code, signal }));
  // a crashed or interrupted test run must not leave a code-server behind
  const onExit = () => killGroup(pid, 'SIGKILL');
  process.once('exit', onExit);

  const stop = async () => {
    process.removeListener('exit', onExit);
    if (!killGroup(pid, 'SIGTERM')) return;
    try {
      await waitFor('code-server to stop', 5_000, () => !groupAlive(pid));
    } catch {
      killGroup(pid, 'SIGKILL');
    }
  };

  const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`;
  try {
    await waitFor(`code-server on port ${port} (log: ${logFile})`, timeoutMs, async () => {
      if (exited) throw new Error(`code-server exited (${exited.code ?? exited.signal}) before it was ready; log: ${logFile}`);
      try {
        return (await fetch(`http://127.0.0.1:${port}/healthz`)).ok;
      } catch {
        return false;
      }
    });
  } catch (e) {
    await stop();
    throw e;
  }
  return { url, port, pid, logFile, userDataDir, extensionsDir, stop };
}

