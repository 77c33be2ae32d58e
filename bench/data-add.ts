// `lathe data add` throughput against `sha256sum` + `cp` of the same files in the same run (the work any
// content-addressed versioning must do: hash every byte and copy it into a cache). Prints one JSON object.
// LATHE_BENCH_SCALE=0.1 shrinks both cases for a quick smoke run.
import { spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { addDataset } from '../src/core/data';
import { initStore } from '../src/core/workspace/root';

const SCALE = Number(process.env.LATHE_BENCH_SCALE ?? '1');
const MB = 1024 * 1024;

async function writeFiles(dir: string, count: number, size: number): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  const buf = Buffer.alloc(Math.min(size, 4 * MB));
  for (let i = 0; i < count; i++) {
    const handle = await fs.open(path.join(dir, `f${String(i).padStart(6, '0')}.bin`), 'w');
    for (let written = 0; written < size; written += buf.length) {
      const n = Math.min(buf.length, size - written);
      randomFillSync(buf, 0, n); // distinct content: no deduplication to flatter the numbers
      await handle.write(buf, 0, n);
    }
    await handle.close();
  }
}

function run(cmd: string, args: string[], cwd: string): void {
  const r = spawnSync(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'inherit'], maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`${cmd} failed (${r.status})`);
}

/** sha256sum of every file (in argument batches, as xargs would) followed by cp -r into a fresh folder. */
function baseline(root: string, rel: string, files: string[]): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < files.length; i += 2000) run('sha256sum', files.slice(i, i + 2000).map((f) => path.join(rel, f)), root);
  run('cp', ['-r', rel, path.join(root, `copy-${rel}`)], root);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function measure(name: string, count: number, size: number): Promise<Record<string, unknown>> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'lathe-bench-'));
  try {
    const layout = await initStore(root);
    await writeFiles(path.join(root, name), count, size);
    const files = (await fs.readdir(path.join(root, name))).sort();
    // warm the page cache equally for both sides: read everything once
    spawnSync('sh', ['-c', `cat ${name}/* > /dev/null`], { cwd: root });
    const baseSeconds = baseline(root, name, files);
    const t0 = process.hrtime.bigint();
    const { manifest } = await addDataset(layout, name);
    const latheSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    if (manifest.fileCount !== count) throw new Error('not every file was added');
    const bytes = count * size;
    const side = (seconds: number) => ({ seconds, mbPerSec: bytes / MB / seconds, filesPerSec: count / seconds });
    const result = { files: count, bytes, lathe: side(latheSeconds), sha256sumPlusCp: side(baseSeconds), ratio: baseSeconds / latheSeconds };
    process.stderr.write(`${name}: lathe ${latheSeconds.toFixed(2)} s, sha256sum+cp ${baseSeconds.toFixed(2)} s, ratio ${result.ratio.toFixed(2)} (>1: lathe faster)\n`);
    return result;
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const largeCount = 8;
  const largeSize = Math.max(1, Math.round((1024 * MB * SCALE) / largeCount));
  const smallCount = Math.max(1, Math.round(20_000 * SCALE));
  const large = await measure('large', largeCount, largeSize);
  const small = await measure('small', smallCount, 4096);
  process.stdout.write(
    JSON.stringify({
      bench: 'data-add',
      scale: SCALE,
      machine: { cpus: os.cpus().length, node: process.version },
      note: 'ratio = (sha256sum + cp seconds) / (lathe data add seconds); page cache warm for both; neither side fsyncs',
      large,
      small,
    }) + '\n',
  );
}

main().catch((e) => {
  process.stderr.write(`${e?.stack ?? e}\n`);
  process.exitCode = 1;
});
