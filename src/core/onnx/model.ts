import { promises as fs } from 'node:fs';
import { onnx } from 'onnx-proto';
import { writeFileAtomic } from '../workspace/atomic';
import { LatheError } from '../workspace/errors';
import { loadExternalData } from './external';
import { checkModel } from './validate';

/**
 * Decode and check model bytes; `file` names the source in errors. Tensors stored as external data stay
 * external (see loadModel's `externalData`).
 */
export function decodeModel(bytes: Uint8Array, file: string): onnx.ModelProto {
  if (bytes.length === 0) {
    throw new LatheError('invalid-onnx', `${file} is empty, not an ONNX model`, { file });
  }
  let model: onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new LatheError('invalid-onnx', `${file} is not a valid ONNX model: it cannot be decoded (${(e as Error).message})`, {
      file,
      hint: 'the file is truncated, corrupt or not ONNX: re-export or re-download it',
    });
  }
  checkModel(model, file);
  return model;
}

export function encodeModel(model: onnx.IModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

/** The bytes of a model file, with clear errors for a missing file or a folder. */
export async function readModelBytes(file: string): Promise<Uint8Array> {
  try {
    return await fs.readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new LatheError('not-found', `model file not found: ${file}`, { file });
    if (code === 'EISDIR') throw new LatheError('invalid-onnx', `${file} is a folder, not an ONNX model file`, { file });
    throw e;
  }
}

/**
 * Read an .onnx file. With `externalData: true`, tensors stored in external files (resolved relative to the
 * model file) are read into the model, so it can be modified and saved as one self-contained file.
 */
export async function loadModel(file: string, options: { externalData?: boolean } = {}): Promise<onnx.ModelProto> {
  const model = decodeModel(await readModelBytes(file), file);
  if (options.externalData) await loadExternalData(model, file);
  return model;
}

/**
 * Write a model atomically. Tensors still marked external keep their relative locations, so save such a
 * model into the folder holding its data files (or load it with `externalData: true` first).
 */
export async function saveModel(model: onnx.IModelProto, file: string): Promise<void> {
  await writeFileAtomic(file, encodeModel(model));
}
