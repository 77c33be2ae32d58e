import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import type { ParamValue, RunRecord, RunStatus } from '../../../src/core/runs';
import { runPaths } from '../../../src/core/runs/record';
import { writeJsonAtomic } from '../../../src/core/workspace/atomic';
import type { StoreLayout } from '../../../src/core/workspace/layout';

/**
 * A run as the store holds it (run.json + metrics.jsonl), written directly: the charts read runs, they do not
 * start them. Also used by bench/experiments-panel.ts to build 100 runs quickly.
 */
export async function writeRun(
  layout: StoreLayout,
  id: string,
  options: { params?: Record<string, ParamValue>; status?: RunStatus; metricLines?: string[]; tags?: string[]; createdAt?: string } = {},
): Promise<RunRecord> {
  const paths = runPaths(layout, id);
  await fs.mkdir(paths.dir, { recursive: true });
  const record: RunRecord = {
    schema: 1,
    id,
    name: `run-${id}`,
    status: options.status ?? 'completed',
    command: ['python', 'train.py'],
    cwd: layout.root,
    params: options.params ?? {},
    tags: options.tags ?? [],
    createdAt: options.createdAt ?? new Date(0).toISOString(),
    exitCode: 0,
    signal: null,
    // a running record needs a live owner on this host, or readers call it failed
    ownerPid: process.pid,
    host: os.hostname(),
    git: null,
    summary: {},
  };
  await writeJsonAtomic(paths.record, record);
  if (options.metricLines) await fs.writeFile(paths.metrics, options.metricLines.map((l) => `${l}\n`).join(''));
  return record;
}

/** `count` metric lines `{"step", "ts", "loss", "acc"}` from `from`: a noisy decreasing loss whose rate depends on `seed`. */
export function metricLines(count: number, from = 0, seed = 1): string[] {
  let s = seed;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  return Array.from({ length: count }, (_, k) => {
    const step = from + k;
    const loss = 2 / (1 + step / (40 + 30 * (seed % 7))) + rand() * 0.05;
    return JSON.stringify({ step, ts: 1_700_000_000_000 + step * 1000, loss, acc: 1 - loss / 2 });
  });
}

/**
 * A sweep of `count` trials tagged `sweep:<name>` (oldest first): lr log-uniform in [1e-4, 1e-1], layers 1-4,
 * optimizer adam/sgd and dropout, which has no effect. The final loss is mostly lr (best near 3e-3), a little layers.
 * Every fourth trial is pruned after 5 of its 20 steps (tag `pruned`, status cancelled).
 */
export async function writeSweep(layout: StoreLayout, name: string, count: number, seed = 11): Promise<RunRecord[]> {
  let s = seed;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const records: RunRecord[] = [];
  for (let i = 0; i < count; i++) {
    const lr = Number((10 ** (-4 + 3 * rand())).toPrecision(3));
    const layers = 1 + Math.floor(rand() * 4);
    const optimizer = rand() < 0.5 ? 'adam' : 'sgd';
    const dropout = Number(rand().toFixed(2));
    const final = 0.2 + 0.5 * (Math.log10(lr) + 2.5) ** 2 + 0.05 * layers + 0.01 * rand();
    const pruned = i % 4 === 3;
    const steps = pruned ? 5 : 20;
    const lines = Array.from({ length: steps }, (_, step) => JSON.stringify({ step, loss: final + 2 * Math.exp(-step / 4), acc: 1 - final / 3 }));
    records.push(
      await writeRun(layout, `${name}-${String(i).padStart(3, '0')}`, {
        params: { lr, layers, optimizer, dropout },
        status: pruned ? 'cancelled' : 'completed',
        tags: pruned ? [`sweep:${name}`, 'pruned'] : [`sweep:${name}`],
        createdAt: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
        metricLines: lines,
      }),
    );
  }
  return records;
}
