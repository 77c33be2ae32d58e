// Pipeline language server latency and memory on generated pipelines of 100, 1,000 and 5,000 stages, against
// yaml-language-server validating the same text with our exported JSON Schema, in the same process and run.
// Measured for both: cold validation (a document version never seen; ours both as `analyze` — the CLI — and as the
// server's first analysis with a fresh incremental analyzer), re-validation after a one-character edit
// inside one stage (the editor case: ours reuses the previous version's blocks), completion after typing (inside
// `${{ params.` and on a blank line at key position), and retained heap. Ours runs with a store snapshot and an
// in-memory workspace (readFile/fileExists), so it checks references and deps too; yaml-language-server checks
// the schema only. Prints one JSON object. LATHE_BENCH_SCALE=0.1 shrinks the sizes and iterations.
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { getLanguageService } from 'yaml-language-server';
import { complete } from '../src/core/pipeline/features/completion';
import { IncrementalAnalyzer } from '../src/core/pipeline/incremental';
import { analyze, locate, type ValidationContext } from '../src/core/pipeline/service';
import type { StoreSnapshot } from '../src/core/pipeline/store';
import { generatePipeline, stageEditOffset } from '../test/support/pipelineGen';

const SCALE = Number(process.env.LATHE_BENCH_SCALE ?? '1');
const SIZES = [100, 1000, 5000].map((n) => Math.max(10, Math.round(n * SCALE)));
const ROOT = path.resolve(__dirname, '..');
const SCHEMA_URI = 'file:///lathe.schema.json';
const SCHEMA = JSON.parse(readFileSync(path.join(ROOT, 'schemas/lathe.schema.json'), 'utf8')) as unknown;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const STORE: StoreSnapshot = { datasets: [{ name: 'digits', versions: [1, 2] }], models: [{ name: 'teacher', versions: [1, 3], aliases: { production: 3 } }] };
const context = (text: string): ValidationContext => {
  // the files a real workspace would have: every script and the source data (stage outputs come from stages)
  const files = new Set(['data/digits.csv', 'data/reviews.parquet', ...[...text.matchAll(/steps\/step_\d+\.py/g)].map((m) => m[0])]);
  return { uri: 'lathe.yaml', store: STORE, fileExists: (p) => files.has(p), readFile: () => undefined };
};

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
function stats(samples: number[]): { p50: number; p95: number; mean: number; n: number } {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  const round = (x: number) => Math.round(x * 100) / 100;
  return { p50: round(at(0.5)), p95: round(at(0.95)), mean: round(s.reduce((a, b) => a + b, 0) / s.length), n: s.length };
}

/** `iterations` measured runs after `warmup` unmeasured ones, sequentially (async for yaml-language-server). */
async function sample(iterations: number, warmup: number, run: (i: number) => unknown): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < warmup + iterations; i++) {
    const t0 = process.hrtime.bigint();
    await run(i);
    if (i >= warmup) out.push(ms(t0));
  }
  return out;
}

/** Heap kept alive by what `build` returns (after a full collection on both sides). */
async function retainedMb(build: () => Promise<unknown>): Promise<number> {
  gc();
  const before = process.memoryUsage().heapUsed;
  const kept = await build();
  gc();
  const after = process.memoryUsage().heapUsed;
  void kept;
  return Math.round(((after - before) / 1024 / 1024) * 10) / 10;
}

/** The i-th one-character edit: a letter typed at the start of the command of a stage in the middle. */
function typed(text: string, n: number, i: number): { text: string; offset: number } {
  const at = stageEditOffset(text, (Math.floor(n / 2) + (i % 7)) % n);
  return { text: text.slice(0, at) + 'x' + text.slice(at), offset: at + 1 };
}

/** A completion site: `${{ params.` typed into a stage's command, or a blank line at key position in a stage. */
function completionSite(text: string, n: number, i: number, kind: 'expression' | 'key'): { text: string; offset: number } {
  const at = stageEditOffset(text, (Math.floor(n / 2) + (i % 7)) % n);
  if (kind === 'expression') {
    const insert = '${{ params. }} ';
    return { text: text.slice(0, at) + insert + text.slice(at), offset: at + insert.length - 4 };
  }
  const lineStart = text.lastIndexOf('\n', at) + 1;
  return { text: text.slice(0, lineStart) + '    \n' + text.slice(lineStart), offset: lineStart + 4 };
}

function yamlLanguageService() {
  const service = getLanguageService({
    schemaRequestService: (uri) => (uri === SCHEMA_URI ? Promise.resolve(JSON.stringify(SCHEMA)) : Promise.reject(new Error(`no schema ${uri}`))),
    workspaceContext: { resolveRelativePath: (rel, resource) => new URL(rel, resource).toString() },
  });
  service.configure({ validate: true, completion: true, hover: false, schemas: [{ uri: SCHEMA_URI, fileMatch: ['*'], schema: SCHEMA as never }] });
  return service;
}

async function measure(n: number): Promise<Record<string, unknown>> {
  const text = generatePipeline(n, 1);
  const iterations = Math.max(10, Math.round((n >= 5000 ? 20 : n >= 1000 ? 60 : 120) * Math.min(1, SCALE * 4)));
  const warmup = Math.max(2, Math.round(iterations / 5));
  const ctx = context(text);

  // ours, in the order a session sees: an open, edits, completions; then cold analyses of unseen versions
  const diagnostics = analyze(text, ctx).diagnostics.length;
  const analyzer = new IncrementalAnalyzer();
  analyzer.analyze(text, ctx);
  let current = text;
  let reused = 0;
  gc();
  const edit = await sample(iterations, warmup, (i) => {
    current = typed(current, n, i).text;
    const a = analyzer.analyze(current, ctx);
    if (a.file.stageWork) reused++;
    return a.diagnostics.map((d) => locate(a.file.lines, d));
  });
  if (reused < iterations) throw new Error(`only ${reused} of ${iterations + warmup} edits were analysed incrementally`);
  const completion: Record<string, number[]> = {};
  for (const kind of ['expression', 'key'] as const) {
    const base = current;
    gc();
    completion[kind] = await sample(iterations, warmup, (i) => {
      const site = completionSite(base, n, i, kind);
      const a = analyzer.analyze(site.text, ctx);
      const items = complete(a.model, site.offset, STORE);
      if (!items.length) throw new Error(`no ${kind} completion`);
    });
  }
  gc();
  const cold = await sample(iterations, warmup, () => {
    const a = analyze(text, ctx);
    return a.diagnostics.map((d) => locate(a.file.lines, d));
  });
  // the server's first analysis of a document: a fresh analyzer, parsing block by block
  gc();
  const coldServer = await sample(iterations, warmup, () => {
    const a = new IncrementalAnalyzer().analyze(text, ctx);
    return a.diagnostics.map((d) => locate(a.file.lines, d));
  });
  const memory = await retainedMb(async () => {
    const fresh = new IncrementalAnalyzer();
    return [fresh, fresh.analyze(text, ctx)];
  });

  // yaml-language-server, same text, our schema
  const service = yamlLanguageService();
  let version = 1;
  const doc = (t: string) => TextDocument.create('file:///bench/lathe.yaml', 'yaml', version++, t);
  const theirDiagnostics = (await service.doValidation(doc(text), false)).length;
  let yCurrent = text;
  gc();
  const yEdit = await sample(iterations, warmup, (i) => {
    yCurrent = typed(yCurrent, n, i).text;
    return service.doValidation(doc(yCurrent), false);
  });
  const yCompletion: Record<string, number[]> = {};
  for (const kind of ['expression', 'key'] as const) {
    const base = yCurrent;
    gc();
    yCompletion[kind] = await sample(iterations, warmup, async (i) => {
      const site = completionSite(base, n, i, kind);
      const d = doc(site.text);
      await service.doComplete(d, d.positionAt(site.offset), false);
    });
  }
  gc();
  const yCold = await sample(iterations, warmup, () => service.doValidation(doc(text), false));
  const yMemory = await retainedMb(async () => {
    const fresh = yamlLanguageService();
    await fresh.doValidation(TextDocument.create('file:///bench/fresh.yaml', 'yaml', 1, text), false);
    return fresh;
  });

  const ours = { diagnostics, coldMs: stats(cold), coldServerMs: stats(coldServer), editMs: stats(edit), completionAfterTypingMs: { expression: stats(completion.expression), key: stats(completion.key) }, retainedHeapMb: memory };
  const theirs = { diagnostics: theirDiagnostics, coldMs: stats(yCold), editMs: stats(yEdit), completionAfterTypingMs: { expression: stats(yCompletion.expression), key: stats(yCompletion.key) }, retainedHeapMb: yMemory };
  const ratio = (a: number, b: number) => Math.round((b / a) * 10) / 10;
  const speedup = {
    coldP95: ratio(ours.coldMs.p95, theirs.coldMs.p95),
    coldServerP95: ratio(ours.coldServerMs.p95, theirs.coldMs.p95),
    editP95: ratio(ours.editMs.p95, theirs.editMs.p95),
    completionKeyP95: ratio(ours.completionAfterTypingMs.key.p95, theirs.completionAfterTypingMs.key.p95),
    completionExpressionP95: ratio(ours.completionAfterTypingMs.expression.p95, theirs.completionAfterTypingMs.expression.p95),
  };
  process.stderr.write(
    `${n} stages (${(text.length / 1024).toFixed(0)} KiB): cold p95 ${ours.coldMs.p95} (server ${ours.coldServerMs.p95}) ms vs ${theirs.coldMs.p95} ms; edit p50/p95 ${ours.editMs.p50}/${ours.editMs.p95} ms vs ${theirs.editMs.p50}/${theirs.editMs.p95} ms; ` +
      `key completion p95 ${ours.completionAfterTypingMs.key.p95} vs ${theirs.completionAfterTypingMs.key.p95} ms; heap ${memory} vs ${yMemory} MiB\n`,
  );
  return { stages: n, bytes: text.length, lines: text.split('\n').length, lathe: ours, yamlLanguageServer: theirs, speedup };
}

async function main(): Promise<void> {
  // timings on a shared machine are only comparable with its load: recorded before and after
  const loadBefore = os.loadavg()[0];
  const sizes = [];
  for (const n of SIZES) sizes.push(await measure(n));
  const at1000 = sizes.find((s) => s.stages === 1000) as { lathe: { editMs: { p95: number } } } | undefined;
  console.log(
    JSON.stringify({
      node: process.version,
      yamlLanguageServer: (JSON.parse(readFileSync(path.join(ROOT, 'node_modules/yaml-language-server/package.json'), 'utf8')) as { version: string }).version,
      scale: SCALE,
      machine: { cpus: os.availableParallelism(), loadAverage1m: { before: Math.round(loadBefore * 100) / 100, after: Math.round(os.loadavg()[0] * 100) / 100 } },
      goal: { editP95Ms: 20, at1000: at1000?.lathe.editMs.p95 },
      sizes,
    }),
  );
}

void main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
