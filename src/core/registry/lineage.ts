import { isRunId, parseRunRecord, runPaths } from '../runs/record';
import { pathExists, readJson } from '../workspace/atomic';
import type { StoreLayout } from '../workspace/layout';
import { versionRef } from './names';
import { resolveModelRef } from './query';
import { modelNames, readVersion, versionNumbers } from './store';
import type { LineageNode, LineageRun, ModelLineage, ModelVersion } from './types';

async function allVersions(layout: StoreLayout): Promise<Map<string, ModelVersion>> {
  const byRef = new Map<string, ModelVersion>();
  for (const name of await modelNames(layout)) {
    for (const n of await versionNumbers(layout, name)) byRef.set(versionRef(name, n), await readVersion(layout, name, n));
  }
  return byRef;
}

async function describeRun(layout: StoreLayout, id: string): Promise<LineageRun> {
  const file = isRunId(id) ? runPaths(layout, id).record : undefined;
  if (!file || !(await pathExists(file))) return { id, exists: false };
  const record = parseRunRecord(await readJson(file, 'run record'), file);
  return { id, exists: true, name: record.name, status: record.status };
}

/**
 * Where a version came from and what was derived from it: the parent chain up to a root, every version
 * (of any model) descending from it, and the runs all of them name. Hand-edited records that form a cycle
 * are followed only once.
 */
export async function modelLineage(layout: StoreLayout, ref: string): Promise<ModelLineage> {
  const subject = await resolveModelRef(layout, ref);
  const byRef = await allVersions(layout);
  const subjectRef = versionRef(subject.name, subject.version);

  const ancestors: ModelVersion[] = [];
  let missingAncestor: string | undefined;
  const seen = new Set([subjectRef]);
  for (let parent = subject.lineage.parent; parent && !seen.has(parent); ) {
    const version = byRef.get(parent);
    if (!version) {
      missingAncestor = parent;
      break;
    }
    seen.add(parent);
    ancestors.push(version);
    parent = version.lineage.parent;
  }

  const children = new Map<string, ModelVersion[]>();
  for (const version of byRef.values()) {
    const parent = version.lineage.parent;
    if (parent) children.set(parent, [...(children.get(parent) ?? []), version]);
  }
  const expanded = new Set([subjectRef]);
  const descend = (parentRef: string): LineageNode[] => {
    const nodes: LineageNode[] = [];
    for (const version of children.get(parentRef) ?? []) {
      const childRef = versionRef(version.name, version.version);
      if (expanded.has(childRef)) continue;
      expanded.add(childRef);
      nodes.push({ ref: childRef, version, children: [] });
    }
    for (const node of nodes) node.children = descend(node.ref);
    return nodes;
  };
  const descendants = descend(subjectRef);

  const runIds = new Set<string>();
  const collect = (versions: ModelVersion[]): void => {
    for (const v of versions) if (v.lineage.run) runIds.add(v.lineage.run);
  };
  const walk = (nodes: LineageNode[]): void => {
    collect(nodes.map((n) => n.version));
    for (const n of nodes) walk(n.children);
  };
  collect([subject, ...ancestors]);
  walk(descendants);
  const runs: Record<string, LineageRun> = {};
  for (const id of [...runIds].sort()) runs[id] = await describeRun(layout, id);

  return { subject, ancestors, missingAncestor, descendants, runs };
}
