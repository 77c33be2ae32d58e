import * as path from 'node:path';
import { simpleGit } from 'simple-git';
import { writeFileAtomic } from '../workspace/atomic';
import { PATCH_FILE, type GitState } from './record';

async function orNull(p: Promise<string>): Promise<string | null> {
  try {
    return (await p).trim() || null;
  } catch {
    return null; // no commit yet
  }
}

/**
 * The git state of `cwd` at run start. When the tree is dirty, the uncommitted changes (`git diff HEAD`) and the
 * names of untracked files are saved to `<runDir>/git.patch`, so the run can be reproduced. Not a repository → null.
 */
export async function captureGitState(cwd: string, runDir: string): Promise<GitState | null> {
  const git = simpleGit({ baseDir: cwd });
  try {
    if (!(await git.checkIsRepo())) return null;
  } catch {
    return null; // git not installed
  }
  const commit = await orNull(git.revparse(['HEAD']));
  const branchName = await orNull(git.revparse(['--abbrev-ref', 'HEAD']));
  const status = await git.status();
  const state: GitState = { commit, branch: branchName === 'HEAD' ? null : branchName, dirty: !status.isClean() };
  if (!state.dirty) return state;
  const untracked = status.not_added.map((f) => `#   ${f}\n`).join('');
  const header = `# lathe: uncommitted changes when the run started (git diff HEAD)\n${untracked ? `# untracked files (not included):\n${untracked}` : ''}\n`;
  const diff = commit ? await git.diff(['HEAD']) : '';
  await writeFileAtomic(path.join(runDir, PATCH_FILE), header + diff);
  return { ...state, patchFile: PATCH_FILE };
}
