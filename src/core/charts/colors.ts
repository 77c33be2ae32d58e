/**
 * FNV-1a, 32 bits, then murmur3's finaliser: ids differing in their last character (run-1, run-2) must land far
 * apart on the colour wheel, which FNV alone does not do for the low bits a modulo keeps.
 */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * A run's hue in [0, 360), stable across panels, reloads and selections. The webview picks saturation and lightness
 * for the theme (light, dark, high contrast), so only the hue travels.
 */
export function runHue(runId: string): number {
  return hash32(runId) % 360;
}

const GOLDEN_ANGLE = 137.508;

/**
 * Hues for the runs shown together: each run's own hue, except where it would sit too close to one already given
 * (hash collisions are likely among a few runs: two near-identical blues help nobody). Such a run moves round the
 * wheel by the golden angle until it has room. The result depends only on the set of ids, not their order, so a
 * run keeps its colour across reloads and usually across selections.
 */
export function runHues(runIds: string[]): Map<string, number> {
  const ids = [...new Set(runIds)].sort();
  // the widest spacing the wheel allows for this many runs, at most 24 degrees
  const gap = Math.min(24, 180 / Math.max(1, ids.length));
  const distance = (a: number, b: number) => Math.min(Math.abs(a - b), 360 - Math.abs(a - b));
  const hues = new Map<string, number>();
  for (const id of ids) {
    const own = runHue(id);
    let hue = own;
    for (let tries = 0; tries < 36 && [...hues.values()].some((h) => distance(h, hue) < gap); tries++) {
      hue = Math.round(own + GOLDEN_ANGLE * (tries + 1)) % 360;
    }
    hues.set(id, [...hues.values()].some((h) => distance(h, hue) < gap) ? own : hue);
  }
  return hues;
}
