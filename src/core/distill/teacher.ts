import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { encodeModel, inspectModel } from '../onnx';
import { writeFileAtomic } from '../workspace/atomic';
import { LatheError } from '../workspace/errors';
import type { StoreLayout } from '../workspace/layout';
import type { StudentSignature } from './students';

/** Rows of features as one model input expects them: [rows, ...rowShape]. */
export interface Inputs {
  features: Float32Array;
  rows: number;
  rowShape: number[];
}

/** The teacher's logits for every row of the data, and whether they came from the cache. */
export interface TeacherLogits {
  logits: Float32Array;
  classes: number;
  cached: boolean;
  file: string;
}

const PREDICT_BATCH = 256;

/**
 * The teacher's input and logits: its first input and first output, or the input of a final Softmax (distillation
 * needs logits, and the temperature would be applied to probabilities otherwise). The model gains that output.
 */
export function teacherSignature(model: onnx.ModelProto, width: number, label: string): { model: onnx.ModelProto; sig: StudentSignature } {
  const info = inspectModel(model);
  const input = info.inputs[0];
  const output = info.outputs[0];
  if (!input || info.inputs.length !== 1 || input.elemType !== 'float32') {
    throw new LatheError('bad-teacher', `the teacher ${label} must have one float32 input; it has ${info.inputs.map((i) => `${i.name} (${i.elemType})`).join(', ') || 'none'}`, {
      hint: 'distillation feeds the rows of the dataset to the teacher as one float tensor',
    });
  }
  const rowShape = (input.shape ?? []).slice(1);
  const known = rowShape.every((d): d is number => typeof d === 'number');
  const perRow = known ? rowShape.reduce((a, b) => a * b, 1) : NaN;
  if (!known || perRow !== width) {
    throw new LatheError('bad-teacher', `the teacher ${label} takes ${input.name} [batch, ${rowShape.join(', ')}], which does not fit rows of ${width} features`, {
      hint: 'pick a dataset whose rows have as many numeric features as the teacher input holds per sample',
    });
  }
  const classes = Number(output?.shape?.[1]);
  if (!output || output.shape?.length !== 2 || !Number.isInteger(classes) || classes < 2) {
    throw new LatheError('bad-teacher', `the teacher ${label} must output class scores [batch, classes]; its first output is ${output ? `${output.name} [${(output.shape ?? []).join(', ')}]` : 'missing'}`, {
      hint: 'distillation works on classifiers',
    });
  }
  const softmax = (model.graph?.node ?? []).find((n) => n.output?.includes(output.name) && n.opType === 'Softmax');
  const logits = softmax?.input?.[0];
  if (!logits) return { model, sig: { inputName: input.name, rowShape: rowShape as number[], outputName: output.name, classes } };
  const copy = onnx.ModelProto.decode(encodeModel(model));
  (copy.graph as onnx.GraphProto).output.push(onnx.ValueInfoProto.create({ name: logits, type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'batch' }, { dimValue: classes }] } } } }));
  return { model: copy, sig: { inputName: input.name, rowShape: rowShape as number[], outputName: logits, classes } };
}

/** Run `model` over the rows in batches; the `output` values as one [rows, width] array. */
export async function predict(model: onnx.ModelProto, inputName: string, output: string, inputs: Inputs, signal?: AbortSignal): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(encodeModel(model), { intraOpNumThreads: 1, interOpNumThreads: 1 });
  try {
    const width = inputs.rowShape.reduce((a, b) => a * b, 1);
    const parts: Float32Array[] = [];
    for (let start = 0; start < inputs.rows; start += PREDICT_BATCH) {
      if (signal?.aborted) throw new LatheError('cancelled', 'distillation was cancelled; nothing was written');
      const n = Math.min(PREDICT_BATCH, inputs.rows - start);
      const x = new ort.Tensor('float32', inputs.features.subarray(start * width, (start + n) * width), [n, ...inputs.rowShape]);
      const out = (await session.run({ [inputName]: x }, [output]))[output];
      parts.push(Float32Array.from(out.data as Float32Array));
    }
    const all = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
    let at = 0;
    for (const p of parts) {
      all.set(p, at);
      at += p.length;
    }
    return all;
  } finally {
    await session.release();
  }
}

/** A content hash of the rows, so a cache entry is reused exactly when the teacher sees the same numbers. */
export function rowsDigest(inputs: Inputs): string {
  const h = createHash('sha256');
  h.update(JSON.stringify([inputs.rows, inputs.rowShape]));
  h.update(new Uint8Array(inputs.features.buffer, inputs.features.byteOffset, inputs.features.byteLength));
  return h.digest('hex');
}

/**
 * The teacher's logits on every row, cached under .lathe/cache/distill per (teacher blob hash, rows hash): the
 * teacher runs forward once per dataset, and never again for the next student.
 */
export async function teacherLogits(
  layout: StoreLayout,
  teacher: { model: onnx.ModelProto; sha256: string; sig: StudentSignature },
  inputs: Inputs,
  signal?: AbortSignal,
): Promise<TeacherLogits> {
  const file = path.join(layout.cache, 'distill', `${teacher.sha256.slice(0, 32)}-${rowsDigest(inputs).slice(0, 32)}-${teacher.sig.outputName.replace(/[^A-Za-z0-9._-]/g, '_')}.f32`);
  const size = inputs.rows * teacher.sig.classes;
  const stored = await fs.readFile(file).catch(() => undefined);
  // a cache entry of the wrong size is stale or torn: computed again and replaced
  if (stored && stored.byteLength === size * 4) {
    return { logits: new Float32Array(stored.buffer.slice(stored.byteOffset, stored.byteOffset + stored.byteLength)), classes: teacher.sig.classes, cached: true, file };
  }
  const logits = await predict(teacher.model, teacher.sig.inputName, teacher.sig.outputName, inputs, signal);
  if (logits.length !== size) {
    throw new LatheError('bad-teacher', `the teacher gave ${logits.length} values for ${inputs.rows} rows of ${teacher.sig.classes} classes`);
  }
  await fs.mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomic(file, new Uint8Array(logits.buffer, logits.byteOffset, logits.byteLength));
  return { logits, classes: teacher.sig.classes, cached: false, file };
}
