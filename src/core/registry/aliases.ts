import { latheEvents } from '../events';
import { writeJsonAtomic } from '../workspace/atomic';
import { LatheError } from '../workspace/errors';
import type { StoreLayout } from '../workspace/layout';
import { withLock } from '../workspace/lock';
import { assertAlias } from './names';
import { existingVersions, resolveModelRef } from './query';
import { modelPaths, readAliases } from './store';

export interface AliasChange {
  alias: string;
  /** The version the alias points at now (null after a removal). */
  version: number | null;
  /** The version it pointed at before (null when it was not set). */
  previous: number | null;
}

/**
 * Point `alias` of the model at the version `ref` names, moving it off any other version (one version per
 * alias). Every move is appended to the history with its time and previous version; re-pointing an alias at
 * the version it already names changes nothing.
 */
export async function setAlias(layout: StoreLayout, ref: string, alias: string): Promise<AliasChange & { version: number }> {
  assertAlias(alias);
  const target = await resolveModelRef(layout, ref);
  const paths = modelPaths(layout, target.name);
  const change = await withLock(paths.lock, async () => {
    const record = await readAliases(layout, target.name);
    const previous = record.aliases[alias] ?? null;
    if (previous === target.version) return { alias, version: target.version, previous };
    record.aliases[alias] = target.version;
    record.history.push({ alias, version: target.version, previous, at: new Date().toISOString() });
    await writeJsonAtomic(paths.aliases, record);
    return { alias, version: target.version, previous };
  });
  if (change.previous !== change.version) latheEvents.emit({ type: 'model-changed', root: layout.root, name: target.name });
  return change;
}

/** Remove an alias (recorded in the history). An alias that is not set is an error naming the ones that are. */
export async function removeAlias(layout: StoreLayout, name: string, alias: string): Promise<AliasChange & { version: null; previous: number }> {
  await existingVersions(layout, name);
  const paths = modelPaths(layout, name);
  const change = await withLock(paths.lock, async () => {
    const record = await readAliases(layout, name);
    const previous = record.aliases[alias];
    if (previous === undefined) {
      const known = Object.keys(record.aliases).sort();
      throw new LatheError('not-found', `${name} has no alias '${alias}'`, { hint: known.length ? `its aliases: ${known.join(', ')}` : 'it has no aliases' });
    }
    delete record.aliases[alias];
    record.history.push({ alias, version: null, previous, at: new Date().toISOString() });
    await writeJsonAtomic(paths.aliases, record);
    return { alias, version: null, previous };
  });
  latheEvents.emit({ type: 'model-changed', root: layout.root, name });
  return change;
}
