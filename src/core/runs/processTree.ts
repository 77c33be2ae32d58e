import { readdirSync, readFileSync } from 'node:fs';

/** Fields of /proc/<pid>/stat after the command name (which may itself contain spaces and parentheses). */
function procStat(pid: string | number): { state: string; pgrp: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state, , pgrp] = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state, pgrp: Number(pgrp) };
  } catch {
    return undefined;
  }
}

// Orphans are reparented to pid 1, and some container inits never reap them: a zombie counts as dead.
function isZombie(pid: string | number): boolean {
  return procStat(pid)?.state === 'Z';
}

/** Whether a process exists on this host and is not a zombie. */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return !isZombie(pid);
}

/** Pids of the live (non-zombie) members of process group `pgid`; undefined without /proc (macOS). */
function groupMembers(pgid: number): string[] | undefined {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return undefined;
  }
  return pids.filter((p) => {
    const stat = procStat(p);
    return stat !== undefined && stat.pgrp === pgid && stat.state !== 'Z';
  });
}

/** Whether any live (non-zombie) process remains in process group `pgid`. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const members = groupMembers(pgid);
  return members === undefined || members.length > 0; // without /proc the kill probe is all we know
}

/**
 * Whether a live member of group `pgid` carries `name=value` in its environment: a check that the group is still
 * the one Lathe started (pids get reused) before signalling it from another process. Without /proc: assumed.
 */
export function groupHasEnv(pgid: number, name: string, value: string): boolean {
  const members = groupMembers(pgid);
  if (members === undefined) return groupAlive(pgid);
  const entry = `${name}=${value}`;
  return members.some((p) => {
    try {
      return readFileSync(`/proc/${p}/environ`, 'utf8').split('\0').includes(entry);
    } catch {
      return false;
    }
  });
}

export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}

const POLL_MS = 50;

/** How long a cancelled process tree gets between SIGTERM and SIGKILL unless the caller says otherwise. */
export const DEFAULT_KILL_GRACE_MS = 5000;

/** SIGTERM the whole group, give it `graceMs` to exit, then SIGKILL whatever is left. */
export async function terminateGroup(pgid: number, graceMs: number): Promise<void> {
  signalGroup(pgid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (groupAlive(pgid)) {
    if (Date.now() >= deadline) {
      signalGroup(pgid, 'SIGKILL');
      return;
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
