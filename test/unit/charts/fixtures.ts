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
  options: { params?: Record<string, ParamValue>; status?: RunStatus; metricLines?: string[] } = {},
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
    tags: [],
    createdAt: new Date(0).toISOString(),
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
