import { LatheError } from '../workspace/errors';
import type { StoreLayout } from '../workspace/layout';
import { assertModelName, parseModelRef } from './names';
import { modelNames, readAliases, readVersion, versionNumbers } from './store';
import type { AliasMove, ModelSummary, ModelVersion } from './types';

/** The version numbers of a registered model, ascending; an unknown name is an error listing the known ones. */
export async function existingVersions(layout: StoreLayout, name: string): Promise<number[]> {
  assertModelName(name);
  const numbers = await versionNumbers(layout, name);
  if (numbers.length === 0) {
    const names = await modelNames(layout);
    throw new LatheError('not-found', `no model named '${name}' is registered`, {
      hint: names.length ? `registered models: ${names.join(', ')}` : 'register one with `lathe model register <file.onnx> --name <name>`',
    });
  }
  return numbers;
}

/** Every version of a model, newest first. */
export async function modelVersions(layout: StoreLayout, name: string): Promise<ModelVersion[]> {
  const numbers = await existingVersions(layout, name);
  const versions = await Promise.all(numbers.map((n) => readVersion(layout, name, n)));
  return versions.reverse();
}

/** Alias → version number for one model. */
export async function modelAliases(layout: StoreLayout, name: string): Promise<Record<string, number>> {
  await existingVersions(layout, name);
  return (await readAliases(layout, name)).aliases;
}

/** Every alias move of a model, oldest first. */
export async function aliasHistory(layout: StoreLayout, name: string): Promise<AliasMove[]> {
  await existingVersions(layout, name);
  return (await readAliases(layout, name)).history;
}

export async function listModels(layout: StoreLayout): Promise<ModelSummary[]> {
  const summaries: ModelSummary[] = [];
  for (const name of await modelNames(layout)) {
    const numbers = await versionNumbers(layout, name);
    summaries.push({
      name,
      versionCount: numbers.length,
      latest: await readVersion(layout, name, numbers[numbers.length - 1]),
      aliases: (await readAliases(layout, name)).aliases,
    });
  }
  return summaries;
}

/** Resolve `name`, `name@latest`, `name@vK`, `name@K` or `name@alias` to a registered version. */
export async function resolveModelRef(layout: StoreLayout, ref: string): Promise<ModelVersion> {
  const parsed = parseModelRef(ref);
  const numbers = await existingVersions(layout, parsed.name);
  if (parsed.kind === 'latest') return readVersion(layout, parsed.name, numbers[numbers.length - 1]);
  if (parsed.kind === 'version') {
    if (!numbers.includes(parsed.version)) {
      throw new LatheError('not-found', `${parsed.name} has no version ${parsed.version}`, {
        hint: `its versions: ${numbers.map((n) => `v${n}`).join(', ')}`,
      });
    }
    return readVersion(layout, parsed.name, parsed.version);
  }
  const { aliases } = await readAliases(layout, parsed.name);
  const target = aliases[parsed.alias];
  if (target === undefined) {
    const known = Object.keys(aliases).sort();
    throw new LatheError('not-found', `${parsed.name} has no alias '${parsed.alias}'`, {
      hint: known.length ? `its aliases: ${known.join(', ')}` : `set one with \`lathe model alias ${parsed.name}@vK ${parsed.alias}\``,
    });
  }
  return readVersion(layout, parsed.name, target);
}
