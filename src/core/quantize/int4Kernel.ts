import { LatheError } from '../workspace/errors';
import { INT4_WASM } from './int4.wasm';
import { wasmKernel } from './wasmKernel';

/** MatMulNBits' arrays for one [K, N] weight (layout: quantizeBlocks4 in int4.ts). */
export interface Int4Blocks {
  packed: Uint8Array<ArrayBuffer>;
  scales: Float32Array<ArrayBuffer>;
  zeroPoints: Uint8Array<ArrayBuffer>;
  blocks: number;
  blob: number;
}

type QuantizeBlock = (
  data: number,
  rows: number,
  n: number,
  b: number,
  blocks: number,
  blob: number,
  symmetric: number,
  packed: number,
  scales: number,
  zeroPoints: number,
) => void;

const kernel = wasmKernel<{ quantizeBlock: QuantizeBlock }>(INT4_WASM);

/**
 * Runs int4.wat on one weight, a block of rows at a time: the kernel's memory holds one block of rows and the
 * outputs (a sixth of the weight at block size 32).
 */
export function int4Kernel(data: Float32Array, k: number, n: number, blockSize: number, symmetric: boolean): Int4Blocks {
  const blocks = Math.ceil(k / blockSize);
  const blob = blockSize / 2;
  const zpBytes = Math.ceil(blocks / 2);
  // the kernel takes four columns at a time: rows are padded to a multiple of 4 and the extra columns, last in
  // every column-major output, are dropped (their padding cells may hold an earlier weight's values: harmless)
  const columns = Math.ceil(n / 4) * 4;
  const packedAt = blockSize * columns * 4;
  // every region starts 4-byte aligned: blob is a multiple of 8
  const scalesAt = packedAt + columns * blocks * blob;
  const zeroPointsAt = scalesAt + columns * blocks * 4;
  const bytes = zeroPointsAt + columns * zpBytes;
  const { memory, quantizeBlock } = kernel(
    bytes,
    (cause) =>
      new LatheError('weight-too-large', `not enough memory to quantize a ${k}x${n} weight to int4 (${Math.ceil(bytes / 2 ** 20)} MiB needed)`, {
        hint: 'exclude this MatMul from int4 quantization, or use a smaller block size',
        cause,
      }),
  );
  const chunk = new Float32Array(memory.buffer, 0, blockSize * columns);
  for (let b = 0; b < blocks; b++) {
    const start = b * blockSize;
    const rows = Math.min(blockSize, k - start);
    if (columns === n) chunk.set(data.subarray(start * n, (start + rows) * n));
    else for (let r = 0; r < rows; r++) chunk.set(data.subarray((start + r) * n, (start + r + 1) * n), r * columns);
    quantizeBlock(0, rows, columns, b, blocks, blob, symmetric ? 1 : 0, packedAt, scalesAt, zeroPointsAt);
  }
  return {
    packed: new Uint8Array(memory.buffer, packedAt, n * blocks * blob).slice(),
    scales: new Float32Array(memory.buffer, scalesAt, n * blocks).slice(),
    zeroPoints: new Uint8Array(memory.buffer, zeroPointsAt, n * zpBytes).slice(),
    blocks,
    blob,
  };
}
