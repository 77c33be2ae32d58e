import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import { LatheError } from '../workspace/errors';
import { externalDataRefs } from './external';
import { toNumber } from './long';
import { subgraphsOf } from './walk';

/**
 * The newest ai.onnx opset Lathe accepts: the newest the bundled onnxruntime-node runs (a unit test checks
 * both sides of this edge against the real runtime), so a model Lathe accepts is one it can execute.
 */
export const MAX_OPSET = 26;

/** '' and 'ai.onnx' both name the default operator set. */
export function normalizeDomain(domain: string | null | undefined): string {
  return !domain || domain === 'ai.onnx' ? 'ai.onnx' : domain;
}

function invalid(file: string, problem: string): LatheError {
  return new LatheError('invalid-onnx', `${file} is not a valid ONNX model: ${problem}`, {
    file,
    hint: 'check that the file is a complete .onnx export (re-export or re-download it)',
  });
}

function checkGraph(graph: onnx.IGraphProto, outer: ReadonlySet<string>, imported: ReadonlyMap<string, number>, file: string): void {
  const defined = new Set(outer);
  for (const v of graph.input ?? []) defined.add(v.name ?? '');
  for (const t of graph.initializer ?? []) defined.add(t.name ?? '');
  for (const s of graph.sparseInitializer ?? []) defined.add(s.values?.name ?? '');
  for (const node of graph.node ?? []) for (const out of node.output ?? []) defined.add(out);
  (graph.node ?? []).forEach((node, i) => {
    const where = `node ${node.name || `#${i}`} (${node.opType || 'no op type'})`;
    if (!node.opType) throw invalid(file, `${where} has no op type`);
    if (!imported.has(normalizeDomain(node.domain))) {
      throw new LatheError('unknown-opset', `${file}: ${where} uses operator domain '${node.domain}', which the model does not import`, {
        file,
        hint: 'add the domain to the opset imports when exporting the model',
      });
    }
    // '' marks an omitted optional input
    for (const input of node.input ?? []) {
      if (input && !defined.has(input)) throw invalid(file, `${where} reads '${input}', which nothing in scope defines`);
    }
    for (const sub of subgraphsOf(node)) checkGraph(sub, defined, imported, file);
  });
  for (const out of graph.output ?? []) {
    if (!defined.has(out.name ?? '')) throw invalid(file, `graph output '${out.name}' is not produced by any node`);
  }
}

function checkExternalLocations(model: onnx.IModelProto, file: string): void {
  for (const ref of externalDataRefs(model)) {
    const normal = path.posix.normalize(ref.location.replaceAll('\\', '/'));
    if (!ref.location || path.isAbsolute(ref.location) || normal === '..' || normal.startsWith('../')) {
      throw invalid(file, `tensor ${ref.tensor} points at external data '${ref.location}' outside the model's folder`);
    }
  }
}

/**
 * Structural checks run on every model read or built: a decodable but truncated, foreign or inconsistent file
 * fails here with the file named, instead of deep inside a runtime later.
 */
export function checkModel(model: onnx.IModelProto, file: string): void {
  if (!model.graph || toNumber(model.irVersion) < 1) throw invalid(file, 'it has no IR version or no graph');
  const imported = new Map<string, number>();
  for (const opset of model.opsetImport ?? []) imported.set(normalizeDomain(opset.domain), toNumber(opset.version));
  if (imported.size === 0) {
    throw new LatheError('missing-opset', `${file} declares no opset (its opset_import is empty)`, {
      file,
      hint: 're-export the model with an explicit opset version',
    });
  }
  const core = imported.get('ai.onnx');
  if (core !== undefined && (core < 1 || core > MAX_OPSET)) {
    throw new LatheError('unknown-opset', `${file} uses ai.onnx opset ${core}; Lathe supports opsets 1 to ${MAX_OPSET}`, {
      file,
      hint: `re-export the model with opset ${MAX_OPSET} or lower`,
    });
  }
  checkGraph(model.graph, new Set(), imported, file);
  checkExternalLocations(model, file);
}
