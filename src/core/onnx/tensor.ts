import { onnx } from 'onnx-proto';
import { LatheError } from '../workspace/errors';
import { elemTypeCode, elemTypeName, type ElemType } from './dtypes';
import { toNumber } from './long';

// The element types Lathe reads and writes as typed arrays.
const ARRAYS = {
  float32: Float32Array,
  float64: Float64Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int32: Int32Array,
  int64: BigInt64Array,
} as const;
type ArrayElemType = keyof typeof ARRAYS;

export type TensorData = InstanceType<(typeof ARRAYS)[ArrayElemType]>;

function isArrayElemType(type: string): type is ArrayElemType {
  return type in ARRAYS;
}

function elemTypeOf(data: TensorData): ArrayElemType {
  const entry = Object.entries(ARRAYS).find(([, ArrayType]) => data.constructor === ArrayType);
  if (!entry) throw new TypeError(`unsupported tensor data ${data.constructor.name}`);
  return entry[0] as ArrayElemType;
}

export function elementCount(dims: readonly number[]): number {
  return dims.reduce((n, d) => n * d, 1);
}

export function tensorDims(tensor: onnx.ITensorProto): number[] {
  return (tensor.dims ?? []).map(toNumber);
}

/** A tensor holding a copy of `data` as little-endian raw bytes (the compact encoding every runtime reads). */
export function makeTensor(name: string, data: TensorData, dims: readonly number[]): onnx.TensorProto {
  if (elementCount(dims) !== data.length) {
    throw new RangeError(`tensor ${name}: dims [${dims.join(', ')}] hold ${elementCount(dims)} elements, data has ${data.length}`);
  }
  return onnx.TensorProto.create({
    name,
    dataType: elemTypeCode(elemTypeOf(data)),
    dims: [...dims],
    rawData: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)),
  });
}

/** Values from the typed repeated fields some exporters write instead of raw bytes. */
function fromFields(type: ArrayElemType, t: onnx.ITensorProto): TensorData {
  switch (type) {
    case 'float32':
      return Float32Array.from(t.floatData ?? []);
    case 'float64':
      return Float64Array.from(t.doubleData ?? []);
    case 'int64':
      return BigInt64Array.from((t.int64Data ?? []).map((v) => BigInt(String(v))));
    case 'int8':
      return Int8Array.from(t.int32Data ?? []);
    case 'uint8':
      return Uint8Array.from(t.int32Data ?? []);
    case 'int32':
      return Int32Array.from(t.int32Data ?? []);
  }
}

/** The values of a tensor whose data is inside the model (load external data first). */
export function readTensor(tensor: onnx.ITensorProto): { elemType: ElemType; dims: number[]; data: TensorData } {
  const type = elemTypeName(tensor.dataType ?? 0);
  const dims = tensorDims(tensor);
  if (tensor.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    throw new LatheError('external-data', `tensor ${tensor.name} is stored in an external file; load the model with its external data first`);
  }
  if (!isArrayElemType(type)) {
    throw new LatheError('unsupported-tensor', `tensor ${tensor.name} has element type ${type}, which Lathe cannot read yet`);
  }
  const raw = tensor.rawData;
  const ArrayType = ARRAYS[type];
  if (raw?.length && raw.length % ArrayType.BYTES_PER_ELEMENT !== 0) {
    throw new LatheError('corrupt-tensor', `tensor ${tensor.name} has ${raw.length} bytes, not a whole number of ${type} values`);
  }
  // copy raw bytes first: decoded bytes are a view into the model buffer at an arbitrary (unaligned) offset
  const data = raw?.length ? new ArrayType(new Uint8Array(raw).buffer) : fromFields(type, tensor);
  if (data.length !== elementCount(dims)) {
    throw new LatheError('corrupt-tensor', `tensor ${tensor.name} has ${data.length} values for dims [${dims.join(', ')}]`);
  }
  return { elemType: type, dims, data };
}
