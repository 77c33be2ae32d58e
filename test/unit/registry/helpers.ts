import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after } from 'node:test';
import { addDataset } from '../../../src/core/data';
import { buildMlp, saveModel } from '../../../src/core/onnx';
import type { StoreLayout } from '../../../src/core/workspace/layout';
import { initStore } from '../../../src/core/workspace/root';

/** A fresh workspace with its store, removed when the test file ends. */
export async function tempStore(): Promise<StoreLayout> {
  const root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'lathe-registry-')));
  after(() => fs.rm(root, { recursive: true, force: true }));
  return initStore(root);
}

/** A real ONNX MLP (input 4 → hidden → 3) saved under the workspace; the same seed gives the same bytes. */
export async function writeMlp(layout: StoreLayout, file: string, seed: number, hidden = [8]): Promise<string> {
  const target = path.join(layout.root, file);
  await saveModel(buildMlp({ inputSize: 4, hidden, outputSize: 3, seed }), target);
  return target;
}

/** Track the iris CSV fixture as dataset `iris` (v1). */
export async function trackIris(layout: StoreLayout): Promise<void> {
  const target = path.join(layout.root, 'data', 'iris.csv');
  await fs.mkdir(path.dirname(target), { recursive: true });
  await fs.copyFile(path.join(__dirname, '..', 'data', 'fixtures', 'iris.csv'), target);
  await addDataset(layout, target, { name: 'iris' });
}
