// The code lenses of pipeline files call the extension's pipeline commands: their ids must stay the same.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { PIPELINE_COMMANDS } from '../../../../src/core/pipeline/features/codeLens';
import { Commands } from '../../../../src/shared/ids';

test('the code lens commands are the pipeline commands the extension declares; running them needs a trusted workspace', () => {
  assert.equal(PIPELINE_COMMANDS.run, Commands.pipelineRun);
  assert.equal(PIPELINE_COMMANDS.runStage, Commands.pipelineRunStage);
  assert.equal(PIPELINE_COMMANDS.showDag, Commands.pipelineShowDag);
  assert.equal(PIPELINE_COMMANDS.runSweep, Commands.pipelineRunSweep);
  const pkg = JSON.parse(readFileSync(path.resolve(__dirname, '../../../../package.json'), 'utf8'));
  const contributed = new Map<string, { enablement?: string }>(pkg.contributes.commands.map((c: { command: string }) => [c.command, c]));
  assert.equal(contributed.get(Commands.pipelineRun)?.enablement, 'isWorkspaceTrusted');
  assert.equal(contributed.get(Commands.pipelineRunStage)?.enablement, 'isWorkspaceTrusted');
  assert.equal(contributed.get(Commands.pipelineRunSweep)?.enablement, 'isWorkspaceTrusted');
  assert.ok(contributed.has(Commands.pipelineShowDag));
});
