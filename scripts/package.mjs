// `npm run package`: builds and writes lathe-<version>.vsix with @vscode/vsce.
// The bundles carry every JavaScript dependency; only onnxruntime-node (a native addon) ships as node_modules,
// which .vscodeignore lets through.
import * as path from 'node:path';
import { build } from './build.mjs';
import { projectRoot, readJson, run } from './lib/ensure.mjs';

await build();
const { version } = readJson(path.join(projectRoot, 'package.json'));
run(process.execPath, [path.join(projectRoot, 'node_modules/@vscode/vsce/vsce'), 'package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '-o', `lathe-${version}.vsix`]);
console.log(`[lathe] wrote lathe-${version}.vsix — install it with: code --install-extension lathe-${version}.vsix`);
