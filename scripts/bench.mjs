// `npm run bench [-- name...]`: runs every bench/*.ts (or the named ones) with tsx; each prints one JSON object on
// stdout, saved as bench/results/<name>.json. LATHE_BENCH_SCALE (e.g. 0.1) shrinks the workloads for a smoke run.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const benchDir = path.join(root, 'bench');
const resultsDir = path.join(benchDir, 'results');
const wanted = process.argv.slice(2);
const benches = readdirSync(benchDir)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
  .map((f) => f.slice(0, -3))
  .filter((name) => wanted.length === 0 || wanted.includes(name))
  .sort();
mkdirSync(resultsDir, { recursive: true });
let failed = 0;
for (const name of benches) {
  console.log(`[bench] ${name}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(benchDir, `${name}.ts`)], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  let result;
  try {
    result = JSON.parse(last);
  } catch {
    result = undefined;
  }
  if (r.status !== 0 || result === undefined) {
    console.error(`[bench] ${name} failed (exit ${r.status})`);
    failed++;
    continue;
  }
  const out = path.join(resultsDir, `${name}.json`);
  writeFileSync(out, JSON.stringify({ ...result, date: new Date().toISOString() }, null, 2) + '\n');
  console.log(`[bench] wrote ${path.relative(root, out)}`);
}
process.exitCode = failed ? 1 : 0;
