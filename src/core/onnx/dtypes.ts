/**
 * ONNX tensor element types, named as onnxruntime names them ('float32', 'int64', ...).
 * The index in this list is the TensorProto.DataType code.
 */
const ELEM_TYPES = [
  'undefined',
  'float32',
  'uint8',
  'int8',
  'uint16',
  'int16',
  'int32',
  'int64',
  'string',
  'bool',
  'float16',
  'float64',
  'uint32',
  'uint64',
  'complex64',
  'complex128',
  'bfloat16',
  'float8e4m3fn',
  'float8e4m3fnuz',
  'float8e5m2',
  'float8e5m2fnuz',
  'uint4',
  'int4',
  'float4e2m1',
] as const;

export type ElemType = Exclude<(typeof ELEM_TYPES)[number], 'undefined'>;

/** The name of a DataType code; 'unknown' for codes newer than this list (the model still loads). */
export function elemTypeName(code: number): ElemType | 'unknown' {
  const name = ELEM_TYPES[code];
  return name === undefined || name === 'undefined' ? 'unknown' : name;
}

export function elemTypeCode(type: ElemType): number {
  return ELEM_TYPES.indexOf(type);
}
