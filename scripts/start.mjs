// `npm start`: installs what is missing, builds, creates the demo workspace and serves a real VS Code (code-server)
// with Lathe installed on it; prints the URL and runs until Ctrl-C.
// LATHE_START_CHECK=1 (or --check): fetch the URL, check the workbench answers, stop and exit (used by tests/CI).
// LATHE_DEMO_DIR: where the demo workspace, code-server's user data and extensions go (default .lathe-demo/).
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { build } from './build.mjs';
import { createDemoWorkspace } from './demo-workspace.mjs';
import { installExtension, startCodeServer, userSettings, writeUserSettings } from './lib/code-server.mjs';
import { ensureE2eTools } from './lib/e2e-tools.mjs';
import { ensureNodeModules, projectRoot } from './lib/ensure.mjs';

const PREFERRED_PORT = 8790;
const check = process.env.LATHE_START_CHECK === '1' || process.argv.includes('--check');
const demoDir = path.resolve(process.env.LATHE_DEMO_DIR ?? path.join(projectRoot, '.lathe-demo'));

ensureNodeModules();
const { codeServerBin } = await ensureE2eTools();
await build();
const { dir: workspace } = await createDemoWorkspace(path.join(demoDir, 'workspace'));

const userDataDir = path.join(demoDir, 'user-data');
const extensionsDir = path.join(demoDir, 'extensions');
mkdirSync(userDataDir, { recursive: true });
writeUserSettings(userDataDir, userSettings());
installExtension(extensionsDir);
const server = await startCodeServer({ codeServerBin, workspace, extensionsDir, userDataDir, port: check ? undefined : PREFERRED_PORT });

let stopping = false;
async function stop(code) {
  if (stopping) return;
  stopping = true;
  await server.stop();
  process.exit(code);
}

console.log(`\n  Lathe demo in VS Code: ${server.url}\n  workspace: ${workspace}\n  code-server log: ${server.logFile}\n`);
if (check) {
  try {
    const res = await fetch(server.url);
    const html = await res.text();
    if (!res.ok || !html.includes('workbench')) throw new Error(`${server.url} answered ${res.status} without a workbench page`);
    console.log('[lathe] check passed: the URL serves the VS Code workbench');
    await stop(0);
  } catch (e) {
    console.error(`[lathe] check failed: ${e instanceof Error ? e.message : String(e)}`);
    await stop(1);
  }
} else {
  console.log('  Ctrl-C to stop.\n');
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
}
