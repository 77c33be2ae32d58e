import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { runPipeline, type PipelineRequest, type PipelineRunOptions, type PipelineRunResult, type StageStatus } from '../../../../src/core/pipeline/runner';
import type { StoreLayout } from '../../../../src/core/workspace/layout';
import { tempWorkspace } from '../../runs/helpers';

/** The node running the tests, as the first word of a pipeline `cmd` (a plain YAML scalar: no quotes, no spaces). */
export const NODE = /^[\w/.+-]+$/.test(process.execPath) ? process.execPath : 'node';

/** A workspace with `lathe.yaml` and the given files (relative path → content). */
export async function pipelineWorkspace(yaml: string, files: Record<string, string> = {}): Promise<StoreLayout> {
  const layout = await tempWorkspace();
  await write(layout, 'lathe.yaml', yaml);
  for (const [rel, text] of Object.entries(files)) await write(layout, rel, text);
  return layout;
}

export async function write(layout: StoreLayout, rel: string, text: string): Promise<void> {
  await fs.mkdir(path.dirname(path.join(layout.root, rel)), { recursive: true });
  await fs.writeFile(path.join(layout.root, rel), text);
}

export async function read(layout: StoreLayout, rel: string): Promise<string> {
  return fs.readFile(path.join(layout.root, rel), 'utf8');
}

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export function run(layout: StoreLayout, request: PipelineRequest = {}, opts: PipelineRunOptions = {}): Promise<PipelineRunResult> {
  return runPipeline(layout, { jobs: 2, ...request }, opts);
}

/** stage → status, to compare a whole result at once. */
export function statuses(result: PipelineRunResult): Record<string, StageStatus> {
  return Object.fromEntries(result.stages.map((s) => [s.stage, s.status]));
}

export async function readLockFile(layout: StoreLayout): Promise<{ schema: number; stages: Record<string, { deps: Record<string, string>; outs: Record<string, string>; params: Record<string, unknown>; runId: string; cmd?: string[] }> }> {
  return JSON.parse(await read(layout, 'lathe.lock'));
}

/** Stage names the processes logged since the last call. */
export function ranLog(layout: StoreLayout): () => Promise<string[]> {
  let seen = 0;
  return async () => {
    const lines = (await read(layout, 'ran.log').catch(() => '')).split('\n').filter(Boolean);
    const fresh = lines.slice(seen);
    seen = lines.length;
    return fresh.sort();
  };
}
