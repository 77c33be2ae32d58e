import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { StoreLayout } from '../workspace/layout';

/** What the pipeline service knows of the workspace store: names, versions and aliases. */
export interface StoreSnapshot {
  datasets: { name: string; versions: number[] }[];
  models: { name: string; versions: number[]; aliases: Record<string, number> }[];
}

/** Source of store snapshots; the language server and the CLI pass one to the pipeline service. */
export interface StoreIndex {
  snapshot(): Promise<StoreSnapshot>;
}

async function subdirs(dir: string): Promise<string[]> {
  try {
    return (await fs.readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory() && !d.name.startsWith('.')).map((d) => d.name).sort();
  } catch {
    return [];
  }
}

/** Version numbers from `v<k>.json` files. */
async function versions(dir: string): Promise<number[]> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  return names.map((n) => /^v(\d+)\.json$/.exec(n)?.[1]).filter((v): v is string => v !== undefined).map(Number).sort((a, b) => a - b);
}

async function aliases(file: string): Promise<Record<string, number>> {
  try {
    // an alias points at a version number, or at a record holding one (`{ version, setAt, ... }`)
    const parsed = JSON.parse(await fs.readFile(file, 'utf8')) as { aliases?: Record<string, number | { version?: number }> };
    const out: Record<string, number> = {};
    for (const [alias, target] of Object.entries(parsed.aliases ?? {})) {
      const version = typeof target === 'number' ? target : target?.version;
      if (typeof version === 'number') out[alias] = version;
    }
    return out;
  } catch {
    return {}; // no aliases yet, or a file being rewritten: the next snapshot sees it
  }
}

/**
 * Reads the store's files directly (`.lathe/datasets/<name>/v<k>.json`, `.lathe/models/<name>/v<k>.json`,
 * `.lathe/models/<name>/aliases.json`): names and versions are all validation needs, so this avoids loading manifests.
 */
export class FileStoreIndex implements StoreIndex {
  constructor(private readonly layout: Pick<StoreLayout, 'datasets' | 'models'>) {}

  async snapshot(): Promise<StoreSnapshot> {
    const datasets = await Promise.all((await subdirs(this.layout.datasets)).map(async (name) => ({ name, versions: await versions(path.join(this.layout.datasets, name)) })));
    const models = await Promise.all(
      (await subdirs(this.layout.models)).map(async (name) => {
        const dir = path.join(this.layout.models, name);
        return { name, versions: await versions(dir), aliases: await aliases(path.join(dir, 'aliases.json')) };
      }),
    );
    return { datasets, models };
  }
}
