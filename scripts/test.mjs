// `npm test`: installs what is missing, builds, type-checks, then runs every suite with Node's test runner.
// Usage: npm test [-- unit|server|e2e ...]   (default: all suites)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { build } from './build.mjs';
import { ensureAptPackages, ensureNodeModules, projectRoot, run } from './lib/ensure.mjs';

/** What the unit suite runs for real: git repositories, Python scripts, sklearn's CSV data sets, PyTorch autograd. */
const UNIT_APT_PACKAGES = ['git', 'python3', 'python3-sklearn', 'python3-torch'];

const SUITES = ['unit', 'server', 'e2e'];
const chosen = process.argv.slice(2).filter((a) => SUITES.includes(a));
const suites = chosen.length ? chosen : SUITES;
const outDir = path.join(projectRoot, '.test-output');

function testFiles(dir) {
  const abs = path.join(projectRoot, 'test', dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs, { recursive: true })
    .filter((f) => String(f).endsWith('.test.ts'))
    .map((f) => path.join('test', dir, String(f)))
    .sort();
}

// Tests commit to real git repositories; a fresh machine has no git identity.
const gitIdentity = {
  GIT_AUTHOR_NAME: 'Lathe Tests', GIT_AUTHOR_EMAIL: 'tests@lathe.invalid',
  GIT_COMMITTER_NAME: 'Lathe Tests', GIT_COMMITTER_EMAIL: 'tests@lathe.invalid',
};

function runSuite(name, files, concurrency) {
  const tap = path.join(outDir, `${name}.tap`);
  const args = [
    '--import', 'tsx',
    '--test',
    `--test-concurrency=${concurrency}`,
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tap}`,
    ...files,
  ];
  console.log(`\n[lathe] suite ${name}: ${files.length} files`);
  const r = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: projectRoot, env: { ...gitIdentity, ...process.env, LATHE_TEST_OUTPUT: outDir } });
  const text = existsSync(tap) ? readFileSync(tap, 'utf8') : '';
  const count = (key) => Number(text.match(new RegExp(`^# ${key} (\\d+)$`, 'm'))?.[1] ?? 0);
  return { name, pass: count('pass'), fail: count('fail') + (r.status !== 0 && count('fail') === 0 ? 1 : 0), skipped: count('skipped') };
}

ensureNodeModules();
ensureAptPackages(UNIT_APT_PACKAGES);
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
await build();
console.log('[lathe] type-checking');
run(process.execPath, [path.join(projectRoot, 'node_modules/typescript/bin/tsc'), '-p', '.', '--noEmit']);

const results = [];
for (const suite of suites) {
  const files = testFiles(suite);
  if (files.length === 0) continue;
  if (suite === 'unit') {
    // ONNX Runtime's Python quantizer, the reference the quantize tests compare with (from the local wheel mirror)
    const { ensurePythonEnv } = await import('./lib/python-env.mjs');
    const env = ensurePythonEnv({ log: (line) => console.log(`[lathe] ${line}`) });
    if (env.error) console.log(`[lathe] Python reference environment unavailable, reference tests will skip: ${env.error}`);
  }
  if (suite === 'e2e') {
    const { ensureE2eTools } = await import('./lib/e2e-tools.mjs');
    await ensureE2eTools();
  }
  results.push(runSuite(suite, files, suite === 'e2e' ? 1 : 2));
}
const total = results.reduce((a, r) => ({ pass: a.pass + r.pass, fail: a.fail + r.fail, skipped: a.skipped + r.skipped }), { pass: 0, fail: 0, skipped: 0 });
console.log('\n' + results.map((r) => `[lathe] ${r.name}: ${r.pass} passed, ${r.fail} failed, ${r.skipped} skipped`).join('\n'));
console.log(`${total.pass} passed, ${total.fail} failed, ${total.skipped} skipped`);
process.exitCode = total.fail > 0 || results.length === 0 ? 1 : 0;
