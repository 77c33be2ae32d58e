import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import { LatheError } from '../workspace/errors';
import { storedTensors } from './walk';

/** A tensor whose bytes live in a file next to the model (ONNX external data, used for large models). */
export interface ExternalRef {
  tensor: string;
  /** Path relative to the model file's folder. */
  location: string;
  offset: number;
  /** Bytes to read; undefined means to the end of the file. */
  length: number | undefined;
}

function isExternal(tensor: onnx.ITensorProto): boolean {
  return tensor.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL;
}

function refOf(tensor: onnx.ITensorProto): ExternalRef {
  const entries = new Map((tensor.externalData ?? []).map((e) => [e.key ?? '', e.value ?? '']));
  const length = entries.get('length');
  return {
    tensor: tensor.name ?? '',
    location: entries.get('location') ?? '',
    offset: Number(entries.get('offset') ?? 0),
    length: length === undefined ? undefined : Number(length),
  };
}

export function externalDataRefs(model: onnx.IModelProto): ExternalRef[] {
  return model.graph ? storedTensors(model.graph).filter(isExternal).map(refOf) : [];
}

/** The distinct external data files a model reads, relative to its folder. */
export function externalDataFiles(model: onnx.IModelProto): string[] {
  return [...new Set(externalDataRefs(model).map((r) => r.location))].sort();
}

async function readSlice(file: string, ref: ExternalRef, modelFile: string): Promise<Uint8Array> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    throw new LatheError('not-found', `external data file ${file} of model ${modelFile} (tensor ${ref.tensor}) is missing`, {
      file,
      hint: 'keep the external data files next to the model file',
    });
  }
  try {
    const length = ref.length ?? (await handle.stat()).size - ref.offset;
    const bytes = new Uint8Array(Math.max(length, 0));
    const { bytesRead } = await handle.read(bytes, 0, bytes.length, ref.offset);
    if (bytesRead !== length) {
      throw new LatheError('corrupt-external-data', `external data file ${file} is too short for tensor ${ref.tensor} of model ${modelFile}`, {
        file,
      });
    }
    return bytes;
  } finally {
    await handle.close();
  }
}

/** Read every external tensor of a model loaded from `modelFile` into the model itself. */
export async function loadExternalData(model: onnx.IModelProto, modelFile: string): Promise<void> {
  if (!model.graph) return;
  for (const tensor of storedTensors(model.graph).filter(isExternal)) {
    const ref = refOf(tensor);
    tensor.rawData = await readSlice(path.join(path.dirname(modelFile), ref.location), ref, modelFile);
    tensor.dataLocation = onnx.TensorProto.DataLocation.DEFAULT;
    tensor.externalData = [];
  }
}
