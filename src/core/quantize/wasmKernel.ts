import type { LatheError } from '../workspace/errors';

const PAGE = 65536;
/** wasm32 addresses: 4 GiB, 65536 pages. */
const MAX_PAGES = 65536;

export type Kernel<E> = E & { memory: WebAssembly.Memory };

/**
 * A WebAssembly kernel (a module generated from a .wat by scripts/wasm.mjs), instantiated on first use, synchronously
 * (it is a few kB). The returned function gives its exports with at least `bytes` of memory: the memory grows as
 * needed and is kept for the next call, since fresh pages cost more to fault in than the kernels take to fill them.
 * `tooLarge` describes a failure to grow.
 */
export function wasmKernel<E>(base64: string): (bytes: number, tooLarge: (cause: unknown) => LatheError) => Kernel<E> {
  let kernel: Kernel<E> | undefined;
  return (bytes, tooLarge) => {
    kernel ??= new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(base64, 'base64'))).exports as unknown as Kernel<E>;
    const pages = Math.ceil(bytes / PAGE);
    const have = kernel.memory.buffer.byteLength / PAGE;
    if (pages > have) {
      try {
        if (pages > MAX_PAGES) throw new RangeError(`${pages} pages`);
        kernel.memory.grow(pages - have);
      } catch (e) {
        throw tooLarge(e);
      }
    }
    return kernel;
  };
}
