import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { pathExists, writeFileAtomic } from './atomic';
import { LatheError } from './errors';
import { layoutFor, PIPELINE_FILE, STORE_DIR, type StoreLayout } from './layout';

/** The workspace root: the nearest folder at or above `start` holding `.lathe/` or `lathe.yaml`. */
export async function findRoot(start: string): Promise<string | undefined> {
  let dir = path.resolve(start);
  for (;;) {
    if ((await pathExists(path.join(dir, STORE_DIR))) || (await pathExists(path.join(dir, PIPELINE_FILE)))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

// What git should ignore inside .lathe: bulky or machine-local state. Manifests and registry entries stay tracked.
const STORE_GITIGNORE = ['cache/', 'tmp/', 'runs/', '*.lock', ''].join('\n');

/** Create the store folders (idempotent) and return the layout. */
export async function initStore(root: string): Promise<StoreLayout> {
  const layout = layoutFor(root);
  for (const dir of [layout.datasets, layout.models, layout.runs, layout.cache, layout.tmp]) {
    await fs.mkdir(dir, { recursive: true });
  }
  const ignore = path.join(layout.store, '.gitignore');
  if (!(await pathExists(ignore))) await writeFileAtomic(ignore, STORE_GITIGNORE);
  return layout;
}

/** Resolve the workspace for a command: the root above `cwd`, or `cwd` itself, with the store created. */
export async function openStore(cwd: string, options: { create?: boolean } = {}): Promise<StoreLayout> {
  const root = (await findRoot(cwd)) ?? (options.create === false ? undefined : path.resolve(cwd));
  if (!root) {
    throw new LatheError('no-workspace', `no Lathe workspace at or above ${cwd}`, {
      hint: 'run `lathe init` or add a lathe.yaml',
    });
  }
  return initStore(root);
}
