import * as path from 'node:path';
import {
  addDataset,
  checkoutDataset,
  datasetLog,
  diffDatasets,
  listDatasets,
  pullDatasets,
  pushDatasets,
  type DatasetDiff,
  type DatasetSummary,
  type DatasetVersion,
  type SyncResult,
} from '../../core/data';
import { addRemote, readConfig } from '../../core/workspace/config';
import { LatheError } from '../../core/workspace/errors';
import { formatBytes } from '../../core/format';
import { flag, positional, stringOption, type CliCommand } from '../command';


function describeVersion(v: DatasetVersion): string {
  const parts = [`${v.fileCount} file(s)`, formatBytes(v.totalSize)];
  if (v.table) parts.push(`${v.table.rows} rows × ${v.table.columns.length} cols`);
  return parts.join(', ');
}

const addUsage = 'data add <path> [--name N] [-m msg]';
const add: CliCommand<{ manifest: DatasetVersion; unchanged: boolean }> = {
  path: ['data', 'add'],
  usage: addUsage,
  summary: 'version a file or folder as a dataset (content-addressed, deduplicated)',
  options: {
    name: { type: 'string', description: 'dataset name (default: the file or folder name)' },
    message: { type: 'string', short: 'm', description: 'version message' },
  },
  async run(ctx) {
    const target = path.resolve(ctx.cwd, positional(ctx.args, 0, 'the path to add', addUsage));
    return addDataset(await ctx.store(), target, { name: stringOption(ctx.args, 'name'), message: stringOption(ctx.args, 'message') });
  },
  format: ({ manifest: m, unchanged }) =>
    unchanged ? `${m.name} is unchanged (v${m.version}, ${m.path})` : `added ${m.name}@v${m.version} (${m.path}: ${describeVersion(m)})`,
};

const list: CliCommand<DatasetSummary[]> = {
  path: ['data', 'list'],
  usage: 'data list',
  summary: 'list tracked datasets with their newest version',
  async run(ctx) {
    return listDatasets(await ctx.store());
  },
  format: (rows) =>
    rows.length === 0
      ? 'no datasets yet (lathe data add <path>)'
      : rows.map((d) => `${d.name.padEnd(20)} v${String(d.latest.version).padEnd(4)} ${d.path}  (${describeVersion(d.latest)})`).join('\n'),
};

const logUsage = 'data log <name>';
const log: CliCommand<DatasetVersion[]> = {
  path: ['data', 'log'],
  usage: logUsage,
  summary: "a dataset's versions, newest first",
  async run(ctx) {
    const name = positional(ctx.args, 0, 'the dataset name', logUsage);
    const versions = await datasetLog(await ctx.store(), name);
    if (versions.length === 0) throw new LatheError('not-found', `no dataset named '${name}'`, { hint: 'see `lathe data list`' });
    return versions;
  },
  format: (versions) => versions.map((v) => `v${v.version}  ${v.createdAt}  ${describeVersion(v)}${v.message ? `  ${v.message}` : ''}`).join('\n'),
};

const checkoutUsage = 'data checkout <name[@vK]> [--force] [--link]';
const checkout: CliCommand<Awaited<ReturnType<typeof checkoutDataset>>> = {
  path: ['data', 'checkout'],
  usage: checkoutUsage,
  summary: "restore a version's bytes at its path (name alone: the version in this git commit)",
  options: {
    force: { type: 'boolean', short: 'f', description: 'overwrite local changes' },
    link: { type: 'boolean', description: 'hard-link read-only files from the cache instead of copying' },
  },
  async run(ctx) {
    const ref = positional(ctx.args, 0, 'the dataset reference', checkoutUsage);
    return checkoutDataset(await ctx.store(), ref, { force: flag(ctx.args, 'force'), link: flag(ctx.args, 'link') });
  },
  format: (r) => `checked out ${r.name}@v${r.version} at ${r.path}: ${r.restored} restored, ${r.unchanged} unchanged, ${r.removed} removed (${r.mode})`,
};

const diffUsage = 'data diff <name@vA> <name@vB>';
const diff: CliCommand<DatasetDiff> = {
  path: ['data', 'diff'],
  usage: diffUsage,
  summary: 'files added/removed/changed between two versions, and table rows/columns',
  async run(ctx) {
    const a = positional(ctx.args, 0, 'the first version', diffUsage);
    const b = positional(ctx.args, 1, 'the second version', diffUsage);
    return diffDatasets(await ctx.store(), a, b);
  },
  format(d) {
    const lines = [`${d.a.name}@v${d.a.version} → ${d.b.name}@v${d.b.version}: ${d.added.length} added, ${d.removed.length} removed, ${d.changed.length} changed, ${d.unchangedCount} unchanged`];
    for (const f of d.added) lines.push(`  + ${f.path}`);
    for (const f of d.removed) lines.push(`  - ${f.path}`);
    for (const f of d.changed) lines.push(`  ~ ${f.path} (${formatBytes(f.before.size)} → ${formatBytes(f.after.size)})`);
    for (const t of d.tables) {
      lines.push(`  table ${t.path}: rows ${t.rows.before} → ${t.rows.after}`);
      for (const c of t.columnsAdded) lines.push(`    + column ${c.name} (${c.type})`);
      for (const c of t.columnsRemoved) lines.push(`    - column ${c.name} (${c.type})`);
      for (const c of t.columnsRetyped) lines.push(`    ~ column ${c.name}: ${c.before} → ${c.after}`);
    }
    return lines.join('\n');
  },
};

const remoteOption = { remote: { type: 'string' as const, short: 'r', description: 'remote name (default: the default remote)' } };

const push: CliCommand<SyncResult> = {
  path: ['data', 'push'],
  usage: 'data push [--remote R]',
  summary: 'copy dataset versions and their blobs to a directory remote',
  options: remoteOption,
  async run(ctx) {
    return pushDatasets(await ctx.store(), { remote: stringOption(ctx.args, 'remote') });
  },
  format: (r) => `pushed ${r.blobs} blob(s), ${r.manifests} manifest(s) to ${r.remote} (${r.path})`,
};

const pull: CliCommand<SyncResult> = {
  path: ['data', 'pull'],
  usage: 'data pull [--remote R]',
  summary: 'fetch dataset versions and missing blobs from a directory remote',
  options: remoteOption,
  async run(ctx) {
    return pullDatasets(await ctx.store(), { remote: stringOption(ctx.args, 'remote') });
  },
  format: (r) =>
    `pulled ${r.blobs} blob(s), ${r.manifests} manifest(s) from ${r.remote} (${r.path})` +
    (r.missing ? `\nwarning: ${r.missing} blob(s) are on neither side; push them from the machine that added them` : ''),
};

const remoteAddUsage = 'data remote add <name> <path> [--default]';
const remoteAdd: CliCommand<{ name: string; path: string; default: boolean }> = {
  path: ['data', 'remote', 'add'],
  usage: remoteAddUsage,
  summary: 'add a directory remote (e.g. a shared mount); the first one becomes the default',
  options: { default: { type: 'boolean', description: 'make it the default remote' } },
  async run(ctx) {
    const name = positional(ctx.args, 0, 'the remote name', remoteAddUsage);
    const dir = positional(ctx.args, 1, 'the remote path', remoteAddUsage);
    const config = await addRemote(await ctx.store(), name, path.resolve(ctx.cwd, dir), { makeDefault: flag(ctx.args, 'default') });
    return { name, path: config.remotes[name].path, default: config.defaultRemote === name };
  },
  format: (r) => `remote ${r.name} → ${r.path}${r.default ? ' (default)' : ''}`,
};

const remoteList: CliCommand<{ name: string; path: string; default: boolean }[]> = {
  path: ['data', 'remote', 'list'],
  usage: 'data remote list',
  summary: 'list directory remotes',
  async run(ctx) {
    const config = await readConfig(await ctx.store());
    return Object.entries(config.remotes).map(([name, r]) => ({ name, path: r.path, default: config.defaultRemote === name }));
  },
  format: (rows) => (rows.length ? rows.map((r) => `${r.name}${r.default ? '*' : ''}  ${r.path}`).join('\n') : 'no remotes (lathe data remote add <name> <path>)'),
};

export const dataCommands: CliCommand<any>[] = [add, list, log, checkout, diff, push, pull, remoteAdd, remoteList];
