import { execFileSync, spawnSync } from 'node:child_process';
import { seededRandom } from '../../../src/core/onnx/random';

/** Debian's Python, whose scipy `npm test` installs (with python3-sklearn): the same reference on every machine. */
const PYTHON = '/usr/bin/python3';

/** Why the scipy comparisons cannot run here, or false. */
export const scipyMissing = spawnSync(PYTHON, ['-c', 'import scipy.stats']).status === 0 ? false : `scipy is not installed for ${PYTHON} (apt-get install python3-scipy)`;

/** Run a Python snippet with scipy; `data` arrives as the JSON variable `data`, and the snippet prints JSON. */
export function scipy<T>(code: string, data: unknown): T {
  const script = `import json, sys\nimport numpy as np\nfrom scipy import stats\ndata = json.load(sys.stdin)\n${code}`;
  return JSON.parse(execFileSync(PYTHON, ['-c', script], { input: JSON.stringify(data), encoding: 'utf8' })) as T;
}

/** `n` normal values (Box–Muller on a seeded generator), rounded to `digits` decimals to make ties when asked. */
export function normals(n: number, seed: number, mean = 0, digits?: number): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => {
    const v = mean + Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    return digits === undefined ? v : Number(v.toFixed(digits));
  });
}
