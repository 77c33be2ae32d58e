// The PyTorch peers of the training benches: Debian's python3-torch (1.13, OpenBLAS: tried with several kernels)
// and PyTorch 2.x from the local wheel mirror (its own venv, made once by scripts/lib/torch-env.mjs). Each peer is
// a long-lived worker process, so measurements alternate with Lathe's under the same machine load.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as os from 'node:os';
import { createInterface } from 'node:readline';
import { ensureTorchEnv } from '../../scripts/lib/torch-env.mjs';

const DEBIAN_PYTHON = '/usr/bin/python3';
// OpenBLAS kernels for Debian's torch: the machine's default (old builds fall back to Prescott SSE3) and AVX ones
const CORETYPES = ['(default)', 'SkylakeX', 'Haswell'];

export interface PeerSpec {
  /** Which torch and how it is configured (without the thread count), e.g. 'debian torch 1.13, OPENBLAS_CORETYPE=SkylakeX'. */
  label: string;
  torch: 'debian' | 'wheel';
  python: string;
  env: NodeJS.ProcessEnv;
}

export interface PeerSet {
  peers: PeerSpec[];
  /** Why a torch is missing from the peers (e.g. the exact pip error), by torch. */
  skipped: Record<string, string>;
}

function torchVersion(python: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const r = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8', env });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** Every PyTorch configuration worth trying on this machine. */
export function torchPeers(): PeerSet {
  const peers: PeerSpec[] = [];
  const skipped: Record<string, string> = {};
  const debian = torchVersion(DEBIAN_PYTHON);
  if (debian) {
    for (const coretype of CORETYPES) {
      const env = { ...process.env, ...(coretype === '(default)' ? {} : { OPENBLAS_CORETYPE: coretype }) };
      peers.push({ label: `debian torch ${debian}, OPENBLAS_CORETYPE=${coretype === '(default)' ? process.env.OPENBLAS_CORETYPE ?? '(unset)' : coretype}`, torch: 'debian', python: DEBIAN_PYTHON, env });
    }
  } else skipped.debian = `PyTorch is not installed for ${DEBIAN_PYTHON} (apt-get install python3-torch)`;
  const wheel = ensureTorchEnv();
  const version = wheel.python ? torchVersion(wheel.python) : undefined;
  if (wheel.python && version) peers.push({ label: `wheel torch ${version}`, torch: 'wheel', python: wheel.python, env: process.env });
  else skipped.wheel = wheel.error ?? `${wheel.python} cannot import torch`;
  return { peers, skipped };
}

/** A peer's worker: each request is one JSON line on stdin, answered by one JSON line on stdout. */
export class TorchWorker {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: AsyncIterator<string>;

  constructor(readonly peer: PeerSpec, script: string) {
    this.child = spawn(peer.python, [script], { env: peer.env });
    this.lines = createInterface({ input: this.child.stdout })[Symbol.asyncIterator]();
  }

  async ask<T>(request: object): Promise<T> {
    this.child.stdin.write(`${JSON.stringify(request)}\n`);
    const next = await this.lines.next();
    if (next.done) throw new Error(`the PyTorch worker (${this.peer.label}) exited`);
    return JSON.parse(next.value) as T;
  }

  close(): void {
    this.child.stdin.end();
  }
}

/** Throughput comparison: ours / the best peer's, rounded. */
export function ratio(ours: number, theirs: number | undefined): number | null {
  return theirs ? Number((ours / theirs).toFixed(3)) : null;
}

/** The machine's load while measuring (the benches share it with other work). */
export function loadAverage(): number[] {
  return os.loadavg().map((l) => Number(l.toFixed(2)));
}
