// Bundles the extension, the language server, the CLI and the webviews with esbuild.
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { ensureNodeModules, projectRoot } from './lib/ensure.mjs';

export async function build({ watch = false } = {}) {
  ensureNodeModules();
  const esbuild = await import('esbuild');
  const at = (p) => path.join(projectRoot, p);
  const node = {
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: true,
    // native addons and the editor API are provided at run time
    external: ['vscode', 'onnxruntime-node'],
    logLevel: 'warning',
  };
  const entries = [
    { entryPoints: [at('src/extension/extension.ts')], outfile: at('dist/extension.js'), ...node },
    { entryPoints: [at('src/server/index.ts')], outfile: at('dist/server.js'), ...node },
    { entryPoints: [at('src/cli/index.ts')], outfile: at('dist/cli.js'), ...node },
  ].filter((e) => existsSync(e.entryPoints[0]));
  const webviewDir = at('webviews');
  const webviews = existsSync(webviewDir)
    ? readdirSync(webviewDir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts'))
    : [];
  if (webviews.length) {
    entries.push({
      entryPoints: webviews.map((f) => path.join(webviewDir, f)),
      outdir: at('dist/webviews'),
      bundle: true,
      platform: 'browser',
      format: 'iife',
      target: 'chrome120',
      // the webview parses this on every panel load: smaller is a faster first paint
      minify: true,
      sourcemap: true,
      logLevel: 'warning',
    });
  }
  mkdirSync(at('dist'), { recursive: true });
  if (watch) {
    for (const e of entries) await (await esbuild.context(e)).watch();
    return;
  }
  await Promise.all(entries.map((e) => esbuild.build(e)));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await build({ watch: process.argv.includes('--watch') });
  console.log('[lathe] built dist/');
}
