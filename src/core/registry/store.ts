import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { pathExists, readJson } from '../workspace/atomic';
import { LatheError } from '../workspace/errors';
import type { StoreLayout } from '../workspace/layout';
import { assertModelName } from './names';
import type { AliasRecord, ModelVersion } from './types';

const VERSION_FILE = /^v([1-9]\d*)\.json$/;

/** Where one model's records live; the one place these file names are spelled. */
export function modelPaths(layout: StoreLayout, name: string) {
  assertModelName(name);
  const dir = path.join(layout.models, name);
  return {
    dir,
    version: (n: number) => path.join(dir, `v${n}.json`),
    aliases: path.join(dir, 'aliases.json'),
    // '*.lock' is git-ignored by the store's .gitignore
    lock: path.join(dir, 'model.lock'),
  };
}

function corrupt(file: string, problem: string): LatheError {
  return new LatheError('corrupt-record', `corrupt model record ${file}: ${problem}`, {
    file,
    hint: 'restore it from git (git checkout -- <file>) or delete it',
  });
}

/** Check what was read from v<N>.json enough that every reader can rely on its shape. */
function parseModelVersion(value: unknown, file: string, name: string, version: number): ModelVersion {
  const v = value as Partial<ModelVersion> | null;
  if (!v || typeof v !== 'object') throw corrupt(file, 'not an object');
  if (v.schema !== 1) throw corrupt(file, `unsupported schema ${JSON.stringify(v.schema)}`);
  if (v.name !== name || v.version !== version) throw corrupt(file, `it describes ${v.name}@v${v.version}, not ${name}@v${version}`);
  if (!v.file || typeof v.file.sha256 !== 'string' || typeof v.file.size !== 'number') throw corrupt(file, 'missing file hash or size');
  if (!v.onnx || typeof v.onnx !== 'object') throw corrupt(file, 'missing onnx summary');
  if (!v.metrics || typeof v.metrics !== 'object' || !v.lineage || typeof v.lineage !== 'object') throw corrupt(file, 'missing metrics or lineage');
  return v as ModelVersion;
}

export async function readVersion(layout: StoreLayout, name: string, version: number): Promise<ModelVersion> {
  const file = modelPaths(layout, name).version(version);
  return parseModelVersion(await readJson(file, 'model version'), file, name, version);
}

/** Version numbers present for a name, ascending ([] for an unknown name). */
export async function versionNumbers(layout: StoreLayout, name: string): Promise<number[]> {
  let entries: string[];
  try {
    entries = await fs.readdir(modelPaths(layout, name).dir);
  } catch (e) {
    // ENOTDIR: a stray file under .lathe/models is not a model
    if (['ENOENT', 'ENOTDIR'].includes((e as NodeJS.ErrnoException).code ?? '')) return [];
    throw e;
  }
  return entries
    .map((f) => VERSION_FILE.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

/** Names of models with at least one version, sorted. */
export async function modelNames(layout: StoreLayout): Promise<string[]> {
  let entries: string[];
  try {
    entries = await fs.readdir(layout.models);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const names: string[] = [];
  for (const entry of entries.sort()) {
    try {
      if ((await versionNumbers(layout, entry)).length > 0) names.push(entry);
    } catch (e) {
      // a stray file or folder whose name is not a model name is not a model
      if (!(e instanceof LatheError && e.code === 'invalid-name')) throw e;
    }
  }
  return names;
}

export async function readAliases(layout: StoreLayout, name: string): Promise<AliasRecord> {
  const file = modelPaths(layout, name).aliases;
  if (!(await pathExists(file))) return { schema: 1, aliases: {}, history: [] };
  const r = (await readJson(file, 'alias record')) as Partial<AliasRecord> | null;
  if (!r || typeof r !== 'object' || r.schema !== 1) throw corrupt(file, 'not a schema 1 alias record');
  if (!r.aliases || typeof r.aliases !== 'object' || !Array.isArray(r.history)) throw corrupt(file, 'missing aliases or history');
  for (const [alias, version] of Object.entries(r.aliases)) {
    if (!Number.isSafeInteger(version) || version < 1) throw corrupt(file, `alias '${alias}' points at ${JSON.stringify(version)}`);
  }
  return r as AliasRecord;
}
