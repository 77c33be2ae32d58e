import { createHash } from 'node:crypto';
import { resolveRef as resolveDatasetRef } from '../../data/manifests';
import { resolveModelRef } from '../../registry/query';
import { isLatheError } from '../../workspace/errors';
import { stableStringify } from '../../workspace/json';
import type { StoreLayout } from '../../workspace/layout';
import { parseStoreRef } from '../refs';

/**
 * What a reference names now, as `name@vK <content hash>`: the lock file records it, so a stage reading
 * `model:teacher@production` runs again when the alias moves, and one reading `dataset:digits@latest` when a new
 * version is added. The hash guards against a store rebuilt with other content under the same numbers. Undefined
 * when the store has no such entry.
 */
export async function resolveStoreRef(layout: StoreLayout, ref: string): Promise<string | undefined> {
  const parsed = parseStoreRef(ref);
  if (!parsed || 'error' in parsed) return undefined;
  const selector = parsed.selector ? `${parsed.name}@${parsed.selector}` : parsed.name;
  try {
    if (parsed.kind === 'model') {
      const version = await resolveModelRef(layout, selector);
      return `${version.name}@v${version.version} ${version.file.sha256}`;
    }
    const version = await resolveDatasetRef(layout, selector);
    const files = version.files.map((f) => ({ path: f.path, sha256: f.sha256 }));
    return `${version.name}@v${version.version} ${createHash('sha256').update(stableStringify(files, 0)).digest('hex')}`;
  } catch (e) {
    if (isLatheError(e) && e.code === 'not-found') return undefined;
    throw e;
  }
}

export async function resolveStoreRefs(layout: StoreLayout, refs: string[]): Promise<Record<string, string | undefined>> {
  const resolved = await Promise.all(refs.map((r) => resolveStoreRef(layout, r)));
  return Object.fromEntries(refs.map((r, i) => [r, resolved[i]]));
}
