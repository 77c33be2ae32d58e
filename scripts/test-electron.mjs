// `npm run test:electron`: the extension-host suite in a desktop VS Code downloaded by @vscode/test-electron.
// Needs internet access (the download); the offline end-to-end suite (`npm test`) uses code-server instead.
import * as path from 'node:path';
import { build } from './build.mjs';
import { projectRoot } from './lib/ensure.mjs';

await build();
const esbuild = await import('esbuild');
const suite = path.join(projectRoot, 'out/electron/suite.js');
await esbuild.build({
  entryPoints: [path.join(projectRoot, 'test/electron/suite.ts')],
  outfile: suite,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  external: ['vscode'],
});
const { createDemoWorkspace } = await import('./demo-workspace.mjs');
const workspace = path.join(projectRoot, '.lathe-demo', 'electron');
await createDemoWorkspace(workspace);
const { runTests } = await import('@vscode/test-electron');
await runTests({
  extensionDevelopmentPath: projectRoot,
  extensionTestsPath: suite,
  launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust'],
});
