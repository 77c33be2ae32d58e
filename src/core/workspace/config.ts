import * as path from 'node:path';
import { pathExists, readJson, writeJsonAtomic } from './atomic';
import { LatheError } from './errors';
import type { StoreLayout } from './layout';
import { withLock } from './lock';

/** A directory remote: a folder (often a shared mount on a cluster) holding `cache/` and `datasets/` like a store. */
export interface RemoteConfig {
  /** Absolute, or relative to the workspace root. */
  path: string;
}

/** `.lathe/config.json`. Other features add their own keys; unknown keys are kept as they are. */
export interface WorkspaceConfig {
  schema: 1;
  remotes: Record<string, RemoteConfig>;
  defaultRemote?: string;
  [key: string]: unknown;
}

const REMOTE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export async function readConfig(layout: StoreLayout): Promise<WorkspaceConfig> {
  if (!(await pathExists(layout.config))) return { schema: 1, remotes: {} };
  const c = await readJson<WorkspaceConfig>(layout.config, 'workspace config');
  if (!c || typeof c !== 'object' || c.schema !== 1 || (c.remotes !== undefined && (typeof c.remotes !== 'object' || c.remotes === null))) {
    throw new LatheError('corrupt-record', `corrupt workspace config ${layout.config}: expected {"schema": 1, "remotes": {...}}`, {
      file: layout.config,
      hint: 'fix or delete the file',
    });
  }
  return { ...c, remotes: c.remotes ?? {} };
}

/** Read-modify-write the config under a lock, so concurrent edits are not lost. */
export async function updateConfig(layout: StoreLayout, change: (config: WorkspaceConfig) => void): Promise<WorkspaceConfig> {
  return withLock(path.join(layout.store, 'config.lock'), async () => {
    const config = await readConfig(layout);
    change(config);
    await writeJsonAtomic(layout.config, config);
    return config;
  });
}

/** Add (or repoint) a remote; the first one, or one added with `makeDefault`, becomes the default. */
export async function addRemote(layout: StoreLayout, name: string, remotePath: string, options: { makeDefault?: boolean } = {}): Promise<WorkspaceConfig> {
  if (!REMOTE_NAME.test(name)) {
    throw new LatheError('usage', `invalid remote name '${name}'`, { hint: 'use letters, digits, ".", "_" or "-"' });
  }
  if (!remotePath) throw new LatheError('usage', 'a remote needs a path');
  return updateConfig(layout, (c) => {
    c.remotes[name] = { path: remotePath };
    if (options.makeDefault || !c.defaultRemote || !c.remotes[c.defaultRemote]) c.defaultRemote = name;
  });
}

/** The named remote, or the default one, with its path made absolute. */
export async function resolveRemote(layout: StoreLayout, name?: string): Promise<{ name: string; path: string }> {
  const config = await readConfig(layout);
  const chosen = name ?? config.defaultRemote;
  if (!chosen) {
    throw new LatheError('no-remote', 'no remote is configured', {
      file: layout.config,
      hint: 'add one with `lathe data remote add <name> <path>`',
    });
  }
  const remote = config.remotes[chosen];
  if (!remote || typeof remote.path !== 'string') {
    throw new LatheError('no-remote', `no remote named '${chosen}' (remotes: ${Object.keys(config.remotes).join(', ') || 'none'})`, {
      file: layout.config,
      hint: 'add it with `lathe data remote add <name> <path>`',
    });
  }
  return { name: chosen, path: path.resolve(layout.root, remote.path) };
}
