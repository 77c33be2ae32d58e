import type { StoreLayout } from '../workspace/layout';
import { resolveRef } from './manifests';
import type { DatasetDiff, DatasetFile, DatasetVersion, FileChange, TableDiff, TableSummary } from './types';

/** Each file's table summary; a single-file dataset keeps its summary at the top level. */
function tablesOf(v: DatasetVersion): Map<string, TableSummary> {
  const out = new Map<string, TableSummary>();
  for (const f of v.files) {
    const t = f.table ?? (v.kind === 'file' ? v.table : undefined);
    if (t) out.set(f.path, t);
  }
  return out;
}

export function diffTables(path: string, a: TableSummary, b: TableSummary): TableDiff | undefined {
  const before = new Map(a.columns.map((c) => [c.name, c.type]));
  const after = new Map(b.columns.map((c) => [c.name, c.type]));
  const diff: TableDiff = {
    path,
    rows: { before: a.rows, after: b.rows },
    columnsAdded: b.columns.filter((c) => !before.has(c.name)),
    columnsRemoved: a.columns.filter((c) => !after.has(c.name)),
    columnsRetyped: a.columns.filter((c) => after.has(c.name) && after.get(c.name) !== c.type).map((c) => ({ name: c.name, before: c.type, after: after.get(c.name)! })),
  };
  const same = a.rows === b.rows && !diff.columnsAdded.length && !diff.columnsRemoved.length && !diff.columnsRetyped.length;
  return same ? undefined : diff;
}

/** What changed from version A to version B: files added/removed/changed and, for tables, rows and columns. */
export function diffVersions(a: DatasetVersion, b: DatasetVersion): DatasetDiff {
  const filesA = new Map(a.files.map((f) => [f.path, f]));
  const filesB = new Map(b.files.map((f) => [f.path, f]));
  // two single-file versions compare as one file even if it was renamed
  if (a.kind === 'file' && b.kind === 'file' && a.files[0].path !== b.files[0].path) {
    filesA.clear();
    filesA.set(b.files[0].path, a.files[0]);
  }
  const added: DatasetFile[] = [];
  const changed: FileChange[] = [];
  let unchangedCount = 0;
  for (const [p, fb] of filesB) {
    const fa = filesA.get(p);
    if (!fa) added.push(fb);
    else if (fa.sha256 !== fb.sha256) changed.push({ path: p, before: { size: fa.size, sha256: fa.sha256 }, after: { size: fb.size, sha256: fb.sha256 } });
    else unchangedCount++;
  }
  const removed = [...filesA].filter(([p]) => !filesB.has(p)).map(([, f]) => f);
  const tablesA = tablesOf(a);
  const tablesB = tablesOf(b);
  const tables: TableDiff[] = [];
  for (const c of changed) {
    const ta = a.kind === 'file' && b.kind === 'file' ? a.table : tablesA.get(c.path);
    const tb = tablesB.get(c.path);
    const d = ta && tb ? diffTables(c.path, ta, tb) : undefined;
    if (d) tables.push(d);
  }
  return {
    a: { name: a.name, version: a.version, path: a.path },
    b: { name: b.name, version: b.version, path: b.path },
    added,
    removed,
    changed,
    unchangedCount,
    sizeDelta: b.totalSize - a.totalSize,
    tables,
  };
}

export async function diffDatasets(layout: StoreLayout, refA: string, refB: string): Promise<DatasetDiff> {
  return diffVersions(await resolveRef(layout, refA), await resolveRef(layout, refB));
}
