import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { onnx } from 'onnx-proto';
import { latheEvents, type LatheEvent } from '../../../src/core/events';
import { encodeModel, GraphBuilder } from '../../../src/core/onnx';
import {
  aliasHistory,
  exportModel,
  listModels,
  modelAliases,
  modelLineage,
  modelVersions,
  registerModel,
  removeAlias,
  resolveModelRef,
  setAlias,
} from '../../../src/core/registry';
import { startRun } from '../../../src/core/runs/start';
import { blobPath, hashFile } from '../../../src/core/workspace/blobs';
import { LatheError } from '../../../src/core/workspace/errors';
import { tempStore, trackIris, writeMlp } from './helpers';

function fails(code: string, ...fragments: string[]) {
  return (e: unknown) => {
    assert.ok(e instanceof LatheError, `expected a LatheError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    for (const f of fragments) assert.ok(`${e.message} ${e.hint ?? ''}`.includes(f), `'${e.message}' (hint '${e.hint}') should mention '${f}'`);
    return true;
  };
}

async function listTree(dir: string): Promise<string[]> {
  return ((await fs.readdir(dir, { recursive: true })) as string[]).sort();
}

test('registerModel stores the bytes in the cache and records what the ONNX file holds', async () => {
  const layout = await tempStore();
  const file = await writeMlp(layout, 'mlp.onnx', 1);
  const events: LatheEvent[] = [];
  const off = latheEvents.on((e) => events.push(e));
  const v1 = await registerModel(layout, file, { name: 'clf', metrics: { acc: 0.5 }, message: 'first' });
  off();
  assert.equal(v1.created, true);
  assert.equal(v1.version, 1);
  assert.equal(v1.message, 'first');
  const { sha256, size } = await hashFile(file);
  assert.deepEqual(v1.file, { sha256, size, originalName: 'mlp.onnx' });
  assert.deepEqual(await fs.readFile(blobPath(layout, sha256)), await fs.readFile(file));
  // 4x8 + 8 + 8x3 + 3 weights; MatMul/Add per layer and one Relu
  assert.equal(v1.onnx.parameterCount, 4 * 8 + 8 + 8 * 3 + 3);
  assert.deepEqual(v1.onnx.ops, { MatMul: 2, Add: 2, Relu: 1 });
  assert.equal(v1.onnx.nodeCount, 5);
  assert.ok(v1.onnx.opsets['ai.onnx'] >= 13);
  assert.equal(v1.onnx.producer.name.length > 0, true);
  assert.deepEqual(v1.onnx.inputs, [{ name: 'input', type: 'float32', shape: ['batch', 4] }]);
  assert.deepEqual(v1.onnx.outputs, [{ name: 'logits', type: 'float32', shape: ['batch', 3] }]);
  assert.deepEqual(v1.metrics, { acc: 0.5 });
  assert.deepEqual(events, [{ type: 'model-changed', root: layout.root, name: 'clf' }]);

  const record = JSON.parse(await fs.readFile(path.join(layout.models, 'clf', 'v1.json'), 'utf8'));
  assert.equal(record.created, undefined, 'the "created" flag is a return value, not part of the record');
  assert.deepEqual(record, JSON.parse(JSON.stringify({ ...v1, created: undefined })));

  const again = await registerModel(layout, file, { name: 'clf' });
  assert.equal(again.created, false, 'same bytes as the latest version: no new version');
  assert.equal(again.version, 1);
  const v2 = await registerModel(layout, await writeMlp(layout, 'mlp2.onnx', 2), { name: 'clf' });
  assert.equal(v2.version, 2);
  assert.equal(v2.created, true);
  // the first bytes again are not the latest any more: a new version that points at the same blob
  const v3 = await registerModel(layout, file, { name: 'clf' });
  assert.equal(v3.version, 3);
  assert.equal(v3.file.sha256, v1.file.sha256);
  assert.deepEqual((await modelVersions(layout, 'clf')).map((v) => v.version), [3, 2, 1]);
});

test('a corrupt, empty, foreign or missing file is rejected naming it, and nothing is written', async () => {
  const layout = await tempStore();
  const good = await fs.readFile(await writeMlp(layout, 'good.onnx', 1));
  const cases: [string, string | Uint8Array | undefined, string][] = [
    ['truncated.onnx', good.subarray(0, Math.floor(good.length / 2)), 'invalid-onnx'],
    ['empty.onnx', '', 'invalid-onnx'],
    ['data.csv', 'a,b\n1,2\n', 'invalid-onnx'],
    ['absent.onnx', undefined, 'not-found'],
  ];
  const before = await listTree(layout.store);
  for (const [name, content, code] of cases) {
    const file = path.join(layout.root, name);
    if (content !== undefined) await fs.writeFile(file, content);
    await assert.rejects(registerModel(layout, file, { name: 'clf' }), (e: unknown) => fails(code, file)(e) && (e as LatheError).file === file);
  }
  await assert.rejects(registerModel(layout, layout.root, { name: 'clf' }), fails('invalid-onnx', layout.root));

  // weights in an external file would not travel with the registered bytes
  const external = new GraphBuilder('ext').input('x', 'float32', [2]).initializer('w', Float32Array.of(1, 2), [2]).node('Mul', ['x', 'w'], ['y']).output('y', 'float32', [2]).build();
  const w = external.graph!.initializer![0];
  await fs.writeFile(path.join(layout.root, 'w.bin'), w.rawData!);
  w.rawData = new Uint8Array(0);
  w.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
  w.externalData = [{ key: 'location', value: 'w.bin' }];
  const externalFile = path.join(layout.root, 'ext.onnx');
  await fs.writeFile(externalFile, encodeModel(external));
  await assert.rejects(registerModel(layout, externalFile, { name: 'clf' }), fails('external-data', externalFile, 'w.bin'));
  assert.deepEqual(await listTree(layout.store), before, 'no record, blob or temp file was written');
  assert.deepEqual(await listModels(layout), []);
  // stray entries under .lathe/models are not models
  await fs.writeFile(path.join(layout.models, 'README.md'), 'notes');
  await fs.mkdir(path.join(layout.models, '.hidden'));
  assert.deepEqual(await listModels(layout), []);
});

test('names, references, parents and runs are checked before anything is stored', async () => {
  const layout = await tempStore();
  const file = await writeMlp(layout, 'm.onnx', 1);
  for (const bad of ['', '../up', '.hidden', 'a/b', 'x y']) {
    await assert.rejects(registerModel(layout, file, { name: bad }), fails('invalid-name'));
  }
  await assert.rejects(registerModel(layout, file, { name: 'child', parent: 'ghost@v1' }), fails('not-found', 'ghost'));
  await assert.rejects(registerModel(layout, file, { name: 'child', run: 'no-such-run' }), fails('not-found', 'no-such-run'));
  await assert.rejects(registerModel(layout, file, { name: 'child', run: '../../etc' }), fails('invalid-ref'));
  await assert.rejects(registerModel(layout, file, { name: 'child', datasets: ['digits'] }), fails('not-found', 'digits'));
  await assert.rejects(registerModel(layout, file, { name: 'child', metrics: { acc: Number.NaN } }), fails('usage', 'acc'));
  assert.deepEqual(await listModels(layout), []);

  await registerModel(layout, file, { name: 'base' });
  await trackIris(layout);
  await assert.rejects(registerModel(layout, file, { name: 'child', datasets: ['iris@v2'] }), fails('not-found', 'iris has no version v2'));
  await assert.rejects(registerModel(layout, file, { name: 'child', parent: 'base@v2' }), fails('not-found', 'base has no version 2', 'v1'));
  await setAlias(layout, 'base@v1', 'production');
  const child = await registerModel(layout, await writeMlp(layout, 'q.onnx', 9), {
    name: 'child',
    parent: 'base@production',
    technique: 'quantize',
    settings: { method: 'dynamic-int8', perChannel: true },
    datasets: ['iris'],
  });
  assert.deepEqual(child.lineage, {
    parent: 'base@v1',
    technique: 'quantize',
    settings: { method: 'dynamic-int8', perChannel: true },
    datasets: ['iris@v1'],
    run: undefined,
  });
});

test('resolveModelRef understands name, @latest, @vK, @K and aliases, with clear errors', async () => {
  const layout = await tempStore();
  await registerModel(layout, await writeMlp(layout, 'a.onnx', 1), { name: 'clf' });
  await registerModel(layout, await writeMlp(layout, 'b.onnx', 2), { name: 'clf' });
  await setAlias(layout, 'clf@1', 'staging');
  const versionOf = async (ref: string) => (await resolveModelRef(layout, ref)).version;
  assert.equal(await versionOf('clf'), 2);
  assert.equal(await versionOf('clf@latest'), 2);
  assert.equal(await versionOf('clf@v1'), 1);
  assert.equal(await versionOf('clf@1'), 1);
  assert.equal(await versionOf('clf@staging'), 1);
  await assert.rejects(resolveModelRef(layout, 'clf@v7'), fails('not-found', 'v1, v2'));
  await assert.rejects(resolveModelRef(layout, 'clf@production'), fails('not-found', 'production', 'staging'));
  await assert.rejects(resolveModelRef(layout, 'nope'), fails('not-found', 'nope', 'clf'));
  await assert.rejects(resolveModelRef(layout, 'clf@v0'), fails('invalid-ref'));
  await assert.rejects(resolveModelRef(layout, 'clf@Prod!'), fails('invalid-ref'));
  await assert.rejects(resolveModelRef(layout, '../x@v1'), fails('invalid-name'));
});

test('a corrupt version record is an error naming the file', async () => {
  const layout = await tempStore();
  await registerModel(layout, await writeMlp(layout, 'a.onnx', 1), { name: 'clf' });
  const file = path.join(layout.models, 'clf', 'v1.json');
  await fs.writeFile(file, '{"schema": 1, "name": ');
  await assert.rejects(listModels(layout), fails('corrupt-record', file));
  await fs.writeFile(file, JSON.stringify({ schema: 1, name: 'other', version: 1 }));
  await assert.rejects(resolveModelRef(layout, 'clf@v1'), fails('corrupt-record', file, 'other@v1'));
  await fs.writeFile(path.join(layout.models, 'clf', 'aliases.json'), JSON.stringify({ schema: 1, aliases: { production: 'x' }, history: [] }));
  await assert.rejects(modelAliases(layout, 'clf'), fails('corrupt-record', 'aliases.json'));
});

test('aliases: one version per alias, every move recorded with time and previous version, removable', async () => {
  const layout = await tempStore();
  await registerModel(layout, await writeMlp(layout, 'a.onnx', 1), { name: 'clf' });
  await registerModel(layout, await writeMlp(layout, 'b.onnx', 2), { name: 'clf' });
  const start = Date.now();
  assert.deepEqual(await setAlias(layout, 'clf@v1', 'production'), { alias: 'production', version: 1, previous: null });
  assert.deepEqual(await setAlias(layout, 'clf@v1', 'canary'), { alias: 'canary', version: 1, previous: null });
  assert.deepEqual(await setAlias(layout, 'clf@v2', 'production'), { alias: 'production', version: 2, previous: 1 });
  assert.deepEqual(await setAlias(layout, 'clf@v2', 'production'), { alias: 'production', version: 2, previous: 2 }, 'no move');
  assert.deepEqual(await modelAliases(layout, 'clf'), { production: 2, canary: 1 });
  assert.deepEqual((await listModels(layout))[0].aliases, { production: 2, canary: 1 });
  assert.deepEqual(await removeAlias(layout, 'clf', 'canary'), { alias: 'canary', version: null, previous: 1 });
  await assert.rejects(removeAlias(layout, 'clf', 'canary'), fails('not-found', 'canary', 'production'));
  const history = await aliasHistory(layout, 'clf');
  assert.deepEqual(
    history.map(({ alias, version, previous }) => ({ alias, version, previous })),
    [
      { alias: 'production', version: 1, previous: null },
      { alias: 'canary', version: 1, previous: null },
      { alias: 'production', version: 2, previous: 1 },
      { alias: 'canary', version: null, previous: 1 },
    ],
  );
  for (const move of history) assert.ok(Date.parse(move.at) >= start - 1000 && Date.parse(move.at) <= Date.now());
  const stored = JSON.parse(await fs.readFile(path.join(layout.models, 'clf', 'aliases.json'), 'utf8'));
  assert.deepEqual(stored, { schema: 1, aliases: { production: 2 }, history });

  for (const bad of ['latest', 'v3', '7', 'Prod', 'has space', 'a'.repeat(41), '-x']) {
    await assert.rejects(setAlias(layout, 'clf@v1', bad), fails('invalid-alias', bad));
  }
  await setAlias(layout, 'clf@v1', 'ab_test-2');
  await assert.rejects(setAlias(layout, 'clf@v9', 'staging'), fails('not-found'));
  assert.deepEqual(await modelAliases(layout, 'clf'), { production: 2, 'ab_test-2': 1 });
});

test('exportModel copies the verified bytes by alias, and writes nothing when the cache is damaged', async () => {
  const layout = await tempStore();
  const source = await writeMlp(layout, 'a.onnx', 1);
  const v1 = await registerModel(layout, source, { name: 'clf' });
  await setAlias(layout, 'clf@v1', 'production');
  const out = path.join(layout.root, 'out', 'deployed.onnx');
  const result = await exportModel(layout, 'clf@production', out);
  assert.deepEqual(result, { ref: 'clf@v1', dest: out, sha256: v1.file.sha256, size: v1.file.size });
  assert.deepEqual(await fs.readFile(out), await fs.readFile(source));
  const intoFolder = await exportModel(layout, 'clf', path.join(layout.root, 'out'));
  assert.equal(intoFolder.dest, path.join(layout.root, 'out', 'a.onnx'));

  // damage the cached blob: the export fails naming it and leaves the previous export as it was
  const blob = blobPath(layout, v1.file.sha256);
  await fs.chmod(blob, 0o644);
  const bytes = await fs.readFile(blob);
  bytes[bytes.length - 1] ^= 0xff;
  await fs.writeFile(blob, bytes);
  await fs.writeFile(out, 'previous export');
  await assert.rejects(exportModel(layout, 'clf@v1', out), fails('corrupt-blob', blob));
  assert.equal(await fs.readFile(out, 'utf8'), 'previous export');
  await fs.rm(blob);
  await assert.rejects(exportModel(layout, 'clf@v1', out), fails('missing-blob', 'clf@v1'));
  assert.deepEqual((await fs.readdir(path.join(layout.root, 'out'))).sort(), ['a.onnx', 'deployed.onnx'], 'no temp file left');
});

test('a run gives the version its metrics; lineage follows parents, descendants, runs and datasets', async () => {
  const layout = await tempStore();
  const script = `console.log('::lathe-metric::' + JSON.stringify({ step: 1, val_acc: 0.75, loss: 0.5 }))`;
  const run = await startRun(layout, { command: [process.execPath, '-e', script], name: 'train-teacher' });
  const record = await run.done;
  assert.equal(record.status, 'completed');
  assert.deepEqual(record.summary, { val_acc: 0.75, loss: 0.5 });

  await trackIris(layout);
  const teacher = await registerModel(layout, await writeMlp(layout, 't.onnx', 1, [16]), { name: 'teacher', run: run.id, datasets: ['iris@v1'] });
  assert.deepEqual(teacher.metrics, { val_acc: 0.75, loss: 0.5 }, 'taken from the run summary');
  const explicit = await registerModel(layout, await writeMlp(layout, 't2.onnx', 2, [16]), { name: 'teacher', run: run.id, metrics: { acc: 1 } });
  assert.deepEqual(explicit.metrics, { acc: 1 }, 'explicit metrics win over the run summary');

  const student = await registerModel(layout, await writeMlp(layout, 's.onnx', 3, [4]), { name: 'student', parent: 'teacher@v1', technique: 'distill' });
  const quantized = await registerModel(layout, await writeMlp(layout, 'sq.onnx', 4, [4]), { name: 'student', parent: 'student@v1', technique: 'quantize' });
  await registerModel(layout, await writeMlp(layout, 'other.onnx', 5), { name: 'unrelated' });

  const down = await modelLineage(layout, 'teacher@v1');
  assert.deepEqual(down.ancestors, []);
  assert.equal(down.missingAncestor, undefined);
  assert.deepEqual(
    down.descendants.map((n) => [n.ref, n.children.map((c) => [c.ref, c.children.length])]),
    [['student@v1', [['student@v2', 0]]]],
  );
  assert.deepEqual(down.runs, { [run.id]: { id: run.id, exists: true, name: 'train-teacher', status: 'completed' } });

  const up = await modelLineage(layout, 'student');
  assert.equal(up.subject.version, quantized.version);
  assert.deepEqual(up.ancestors.map((v) => `${v.name}@v${v.version}`), ['student@v1', 'teacher@v1']);
  assert.equal(up.ancestors[0].lineage.technique, 'distill');
  assert.deepEqual(up.ancestors[1].lineage.datasets, ['iris@v1']);
  assert.deepEqual(up.descendants, []);
  assert.deepEqual(Object.keys(up.runs), [run.id]);

  // a deleted parent version ends the chain visibly; a deleted run is reported as gone
  await fs.rm(path.join(layout.models, 'teacher', 'v1.json'));
  await fs.rm(path.join(layout.runs, run.id), { recursive: true });
  const broken = await modelLineage(layout, `student@v${student.version}`);
  assert.equal(broken.missingAncestor, 'teacher@v1');
  assert.deepEqual(broken.ancestors, []);
  assert.deepEqual(broken.runs, {});
  assert.deepEqual((await modelLineage(layout, 'teacher@v2')).runs, { [run.id]: { id: run.id, exists: false } });
});

test('concurrent registrations from several processes get distinct version numbers', async () => {
  const layout = await tempStore();
  const files = await Promise.all(Array.from({ length: 5 }, (_, i) => writeMlp(layout, `m${i}.onnx`, 100 + i)));
  const child = path.join(import.meta.dirname, 'registerChild.ts');
  const outputs = await Promise.all(
    files.map((file) => promisify(execFile)(process.execPath, ['--import', 'tsx', child, layout.root, file, 'shared'])),
  );
  const got = outputs.map((o) => JSON.parse(o.stdout) as { version: number; sha256: string });
  assert.deepEqual(got.map((g) => g.version).sort(), [1, 2, 3, 4, 5]);
  const versions = await modelVersions(layout, 'shared');
  assert.deepEqual(versions.map((v) => v.version), [5, 4, 3, 2, 1]);
  for (const g of got) assert.equal(versions.find((v) => v.version === g.version)?.file.sha256, g.sha256);
  assert.deepEqual((await fs.readdir(path.join(layout.models, 'shared'))).sort(), ['v1.json', 'v2.json', 'v3.json', 'v4.json', 'v5.json'], 'no lock or temp file left');
});
