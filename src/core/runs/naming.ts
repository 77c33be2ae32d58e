import { randomBytes, randomInt } from 'node:crypto';

const pad = (n: number) => String(n).padStart(2, '0');

/** `20261123-091500-3fa2c1`: UTC time first so ids sort by start, random hex so concurrent processes never collide. */
export function newRunId(now = new Date()): string {
  const date = `${now.getUTCFullYear()}${pad(now.getUTCMonth() + 1)}${pad(now.getUTCDate())}`;
  const time = `${pad(now.getUTCHours())}${pad(now.getUTCMinutes())}${pad(now.getUTCSeconds())}`;
  return `${date}-${time}-${randomBytes(3).toString('hex')}`;
}

const ADJECTIVES = ['brisk', 'calm', 'clever', 'daring', 'eager', 'fuzzy', 'gentle', 'happy', 'jolly', 'keen', 'lively', 'lucky', 'merry', 'nimble', 'plucky', 'quiet', 'rapid', 'shiny', 'steady', 'swift', 'tidy', 'vivid', 'witty', 'zesty'];
const NOUNS = ['badger', 'comet', 'crane', 'delta', 'ember', 'falcon', 'fern', 'gecko', 'harbor', 'heron', 'lynx', 'maple', 'meadow', 'nebula', 'otter', 'pine', 'quartz', 'raven', 'river', 'sparrow', 'tiger', 'willow', 'yak', 'zephyr'];

/** A readable default name such as `brisk-otter-42` (not unique: ids are; names are for people). */
export function generateRunName(): string {
  return `${ADJECTIVES[randomInt(ADJECTIVES.length)]}-${NOUNS[randomInt(NOUNS.length)]}-${randomInt(100)}`;
}
