import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { Commands, TreeContext, Views } from '../../src/shared/ids';

const root = path.resolve(__dirname, '../..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(root, dir), { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join(root, dir, f));
}

test('no file under src/core imports vscode (the engine stays editor-free)', () => {
  const offenders = sourceFiles('src/core').filter((f) => /from\s+['"]vscode['"]|require\(\s*['"]vscode['"]\s*\)|import\(\s*['"]vscode['"]\s*\)/.test(readFileSync(f, 'utf8')));
  assert.deepEqual(offenders, []);
});

test('src/core does not import from the extension, the server or the CLI (arrows go one way)', () => {
  const offenders = sourceFiles('src/core').filter((f) => /from\s+['"](\.\.\/)+(extension|server|cli)\//.test(readFileSync(f, 'utf8')));
  assert.deepEqual(offenders, []);
});

test('every command declared in src/shared/ids.ts is contributed in package.json, and vice versa', () => {
  const contributed = new Set<string>(pkg.contributes.commands.map((c: { command: string }) => c.command));
  const declared = new Set<string>(Object.values(Commands));
  const pipelineIds = [...contributed].filter((c) => !declared.has(c) && !c.startsWith('lathe.pipeline.'));
  assert.deepEqual(pipelineIds, [], 'contributed but not declared');
  assert.deepEqual([...declared].filter((c) => !contributed.has(c)), [], 'declared but not contributed');
});

test('every command the extension registers is declared, and every declared command is registered', () => {
  const text = sourceFiles('src/extension').map((f) => readFileSync(f, 'utf8')).join('\n');
  const registered = [...text.matchAll(/registerCommand\(\s*Commands\.(\w+)/g)].map((m) => m[1]);
  for (const key of Object.keys(Commands)) assert.ok(registered.includes(key), `Commands.${key} is never registered`);
  assert.equal(new Set(registered).size, registered.length, 'a command is registered twice');
});

test('views, menus and welcome content refer only to declared ids', () => {
  const viewIds = pkg.contributes.views[Views.container].map((v: { id: string }) => v.id);
  assert.deepEqual(viewIds.sort(), [Views.datasets, Views.models, Views.runs].sort());
  const commandIds = new Set<string>(pkg.contributes.commands.map((c: { command: string }) => c.command));
  for (const [menu, entries] of Object.entries<{ command: string; when?: string }[]>(pkg.contributes.menus)) {
    for (const e of entries) {
      assert.ok(commandIds.has(e.command), `${menu} names unknown command ${e.command}`);
      for (const m of e.when?.matchAll(/viewItem == ([\w.]+)/g) ?? []) {
        assert.ok(Object.values(TreeContext).includes(m[1] as never), `${menu}: unknown viewItem ${m[1]}`);
      }
    }
  }
  for (const w of pkg.contributes.viewsWelcome) {
    for (const m of w.contents.matchAll(/\(command:([\w.]+)\)/g)) {
      if (!m[1].startsWith('workbench.')) assert.ok(commandIds.has(m[1]), `welcome content names unknown command ${m[1]}`);
    }
  }
});

test('the pipeline language: settings list every diagnostic code, grammar and language files exist, lens commands are contributed', async () => {
  const { DIAGNOSTIC_CODES } = await import('../../src/core/pipeline/diagnostics');
  const { PIPELINE_COMMANDS } = await import('../../src/core/pipeline/features/codeLens');
  const { PIPELINE_LANGUAGE } = await import('../../src/shared/ids');
  const severity = pkg.contributes.configuration.properties['lathe.pipeline.severity'];
  assert.deepEqual(Object.keys(severity.properties).sort(), Object.keys(DIAGNOSTIC_CODES).sort());
  for (const [code, d] of Object.entries(DIAGNOSTIC_CODES)) assert.ok(severity.properties[code].description.includes(`Default: ${d.severity}.`), code);
  const language = pkg.contributes.languages.find((l: { id: string }) => l.id === PIPELINE_LANGUAGE);
  assert.ok(language, 'language contributed');
  const grammar = pkg.contributes.grammars.find((g: { language: string }) => g.language === PIPELINE_LANGUAGE);
  for (const file of [language.configuration, grammar.path]) JSON.parse(readFileSync(path.join(root, file), 'utf8'));
  const contributed = new Set(pkg.contributes.commands.map((c: { command: string }) => c.command));
  for (const id of Object.values(PIPELINE_COMMANDS)) assert.ok(contributed.has(id), id);
});
