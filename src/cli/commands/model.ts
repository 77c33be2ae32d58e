import * as path from 'node:path';
import {
  aliasHistory,
  exportModel,
  listModels,
  modelAliases,
  modelLineage,
  parseModelRef,
  registerModel,
  removeAlias,
  resolveModelRef,
  setAlias,
  versionRef,
  type AliasChange,
  type AliasMove,
  type ExportResult,
  type LineageNode,
  type ModelIo,
  type ModelLineage,
  type ModelSummary,
  type ModelVersion,
  type RegisteredModel,
} from '../../core/registry';
import { parseParamAssignments } from '../../core/runs/params';
import { LatheError } from '../../core/workspace/errors';
import { listOption, positional, stringOption, type CliCommand } from '../command';


function metricOptions(assignments: string[]): Record<string, number> | undefined {
  if (assignments.length === 0) return undefined;
  const metrics: Record<string, number> = {};
  for (const [key, value] of Object.entries(parseParamAssignments(assignments))) {
    if (typeof value !== 'number') throw new LatheError('usage', `metric '${key}' must be a number, got '${value}'`, { hint: 'e.g. --metric val_acc=0.93' });
    metrics[key] = value;
  }
  return metrics;
}

const count = (n: number) => n.toLocaleString('en-US');
const opsetText = (v: ModelVersion) =>
  Object.entries(v.onnx.opsets)
    .map(([domain, version]) => (domain === 'ai.onnx' ? `opset ${version}` : `${domain} ${version}`))
    .join(', ');
const ioText = (io: ModelIo) => `${io.name}: ${io.type}${io.kind ? ` ${io.kind}` : ''} [${io.shape ? io.shape.map((d) => d ?? '?').join(', ') : '?'}]`;
const aliasesAt = (aliases: Record<string, number>, version: number) =>
  Object.keys(aliases)
    .filter((a) => aliases[a] === version)
    .sort();

const register: CliCommand<RegisteredModel> = {
  path: ['model', 'register'],
  usage: 'model register <file.onnx> --name N [--run R] [--parent N@vK --technique T]',
  summary: 'register an ONNX file as the next version of a model (metrics default to the run\'s last values)',
  options: {
    name: { type: 'string', short: 'n', description: 'model name (letters, digits, ".", "_", "-")' },
    run: { type: 'string', description: 'id of the run that produced it; its last metric values are recorded unless --metric is given' },
    parent: { type: 'string', description: 'the version it was derived from (name@vK or name@alias)' },
    technique: { type: 'string', description: 'how it was derived from the parent (quantize, distill, lora...)' },
    setting: { type: 'string', multiple: true, description: 'a setting of the technique, key=value' },
    metric: { type: 'string', multiple: true, description: 'a metric, key=number' },
    dataset: { type: 'string', multiple: true, description: 'a dataset version it was trained on, name@vK' },
    message: { type: 'string', short: 'm', description: 'a note about this version' },
  },
  async run(ctx) {
    const file = path.resolve(ctx.cwd, positional(ctx.args, 0, 'the ONNX file to register', register.usage));
    const name = stringOption(ctx.args, 'name');
    if (!name) throw new LatheError('usage', 'missing --name', { hint: `usage: lathe ${register.usage}` });
    return registerModel(await ctx.store(), file, {
      name,
      run: stringOption(ctx.args, 'run'),
      parent: stringOption(ctx.args, 'parent'),
      technique: stringOption(ctx.args, 'technique'),
      settings: parseParamAssignments(listOption(ctx.args, 'setting')),
      metrics: metricOptions(listOption(ctx.args, 'metric')),
      datasets: listOption(ctx.args, 'dataset'),
      message: stringOption(ctx.args, 'message'),
    });
  },
  format: (v) =>
    v.created
      ? `registered ${versionRef(v.name, v.version)}: ${count(v.file.size)} bytes, ${count(v.onnx.parameterCount)} parameters, ${opsetText(v)}`
      : `${versionRef(v.name, v.version)} already holds these bytes: no new version`,
};

const list: CliCommand<ModelSummary[]> = {
  path: ['model', 'list'],
  usage: 'model list',
  summary: 'list registered models with their latest version and aliases',
  async run(ctx) {
    return listModels(await ctx.store());
  },
  format(models) {
    if (models.length === 0) return 'no models registered (lathe model register <file.onnx> --name <name>)';
    const rows = models.map((m) => [
      m.name,
      String(m.versionCount),
      `v${m.latest.version}`,
      Object.entries(m.aliases)
        .map(([a, v]) => `${a}→v${v}`)
        .join(', '),
    ]);
    const table = [['NAME', 'VERSIONS', 'LATEST', 'ALIASES'], ...rows];
    const widths = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
    return table.map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
  },
};

type ShownVersion = ModelVersion & { aliases: string[] };

const show: CliCommand<ShownVersion> = {
  path: ['model', 'show'],
  usage: 'model show <name[@vK|@alias]>',
  summary: 'show one version: file, ONNX signature, parameters, metrics, lineage',
  async run(ctx) {
    const layout = await ctx.store();
    const version = await resolveModelRef(layout, positional(ctx.args, 0, 'a model reference', show.usage));
    return { ...version, aliases: aliasesAt(await modelAliases(layout, version.name), version.version) };
  },
  format(v) {
    const l = v.lineage;
    const lines = [
      `${versionRef(v.name, v.version)}${v.aliases.length ? ` [${v.aliases.join(', ')}]` : ''}  registered ${v.createdAt}`,
      v.message ? `  ${v.message}` : '',
      `file        ${v.file.originalName}, ${count(v.file.size)} bytes, sha256 ${v.file.sha256}`,
      `onnx        ir ${v.onnx.irVersion}, ${opsetText(v)}, producer ${[v.onnx.producer.name, v.onnx.producer.version].filter(Boolean).join(' ') || '(none)'}`,
      `parameters  ${count(v.onnx.parameterCount)} in ${count(v.onnx.nodeCount)} nodes`,
      ...v.onnx.inputs.map((io, i) => `${i === 0 ? 'inputs' : ''}`.padEnd(12) + ioText(io)),
      ...v.onnx.outputs.map((io, i) => `${i === 0 ? 'outputs' : ''}`.padEnd(12) + ioText(io)),
      Object.keys(v.metrics).length ? `metrics     ${Object.entries(v.metrics).map(([k, m]) => `${k}=${m}`).join(', ')}` : '',
      l.parent ? `parent      ${l.parent}${l.technique ? ` (${l.technique})` : ''}` : l.technique ? `technique   ${l.technique}` : '',
      l.settings ? `settings    ${Object.entries(l.settings).map(([k, s]) => `${k}=${JSON.stringify(s)}`).join(', ')}` : '',
      l.run ? `run         ${l.run}` : '',
      l.datasets ? `datasets    ${l.datasets.join(', ')}` : '',
    ];
    return lines.filter(Boolean).join('\n');
  },
};

const alias: CliCommand<AliasChange & { name: string }> = {
  path: ['model', 'alias'],
  usage: 'model alias <name@vK> <production|staging|canary|custom>',
  summary: 'point an alias at a version (moving it off the version it named; the move is recorded)',
  async run(ctx) {
    const ref = positional(ctx.args, 0, 'the version to alias', alias.usage);
    const name = positional(ctx.args, 1, 'the alias name', alias.usage);
    return { name: parseModelRef(ref).name, ...(await setAlias(await ctx.store(), ref, name)) };
  },
  format: (c) =>
    c.previous === c.version
      ? `${c.alias} already points at ${c.name}@v${c.version}`
      : `${c.alias} → ${c.name}@v${c.version}${c.previous === null ? '' : ` (was v${c.previous})`}`,
};

const unalias: CliCommand<AliasChange & { name: string }> = {
  path: ['model', 'unalias'],
  usage: 'model unalias <name> <alias>',
  summary: 'remove an alias from a model (recorded in its alias history)',
  async run(ctx) {
    const name = positional(ctx.args, 0, 'the model name', unalias.usage);
    const change = await removeAlias(await ctx.store(), name, positional(ctx.args, 1, 'the alias to remove', unalias.usage));
    return { name, ...change };
  },
  format: (c) => `removed ${c.alias} from ${c.name} (it pointed at v${c.previous})`,
};

const aliases: CliCommand<{ name: string; aliases: Record<string, number>; history: AliasMove[] }> = {
  path: ['model', 'aliases'],
  usage: 'model aliases <name>',
  summary: 'show a model\'s aliases and every alias move with its time',
  async run(ctx) {
    const layout = await ctx.store();
    const name = positional(ctx.args, 0, 'the model name', aliases.usage);
    return { name, aliases: await modelAliases(layout, name), history: await aliasHistory(layout, name) };
  },
  format(r) {
    const current = Object.entries(r.aliases).map(([a, v]) => `${a} → v${v}`);
    const moves = r.history.map(
      (m) => `${m.at}  ${m.alias}: ${m.previous === null ? '(unset)' : `v${m.previous}`} → ${m.version === null ? '(removed)' : `v${m.version}`}`,
    );
    return [current.length ? current.join('\n') : `${r.name} has no aliases`, ...(moves.length ? ['', 'history:', ...moves] : [])].join('\n');
  },
};

const exportCommand: CliCommand<ExportResult> = {
  path: ['model', 'export'],
  usage: 'model export <name[@vK|@alias]> <path>',
  summary: 'copy a version\'s file out of the cache (hash-verified) to a file or folder',
  async run(ctx) {
    const ref = positional(ctx.args, 0, 'a model reference', exportCommand.usage);
    const dest = path.resolve(ctx.cwd, positional(ctx.args, 1, 'the destination path', exportCommand.usage));
    return exportModel(await ctx.store(), ref, dest);
  },
  format: (r) => `exported ${r.ref} to ${r.dest} (${count(r.size)} bytes, sha256 ${r.sha256.slice(0, 12)})`,
};

function lineageText(lineage: ModelLineage): string {
  const describe = (v: ModelVersion) => {
    const l = v.lineage;
    const run = l.run ? lineage.runs[l.run] : undefined;
    const parts = [
      l.technique ? `via ${l.technique}` : '',
      run ? `run ${run.id}${run.exists ? ` (${run.name}, ${run.status})` : ' (deleted)'}` : '',
      l.datasets ? `data ${l.datasets.join(', ')}` : '',
    ].filter(Boolean);
    return `${versionRef(v.name, v.version)}${parts.length ? `  ${parts.join(' · ')}` : ''}`;
  };
  const lines: string[] = [];
  const chain = [...lineage.ancestors].reverse();
  if (lineage.missingAncestor) lines.push(`${lineage.missingAncestor}  (missing)`);
  chain.forEach((v) => lines.push(describe(v)));
  lines.push(`${describe(lineage.subject)}  ◀`);
  const indent = (nodes: LineageNode[], depth: number): void => {
    for (const n of nodes) {
      lines.push(`${'  '.repeat(depth)}└ ${describe(n.version)}`);
      indent(n.children, depth + 1);
    }
  };
  indent(lineage.descendants, 1);
  return lines.join('\n');
}

const lineage: CliCommand<ModelLineage> = {
  path: ['model', 'lineage'],
  usage: 'model lineage <name[@vK|@alias]>',
  summary: 'show where a version came from (parents, runs, datasets) and what was derived from it',
  async run(ctx) {
    return modelLineage(await ctx.store(), positional(ctx.args, 0, 'a model reference', lineage.usage));
  },
  format: lineageText,
};

export const modelCommands: CliCommand<any>[] = [register, list, show, alias, unalias, aliases, exportCommand, lineage];
