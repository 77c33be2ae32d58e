// Extension-host suite for @vscode/test-electron (`npm run test:electron`, needs internet to download VS Code).
// It runs inside a real desktop VS Code against the demo workspace; the offline e2e suite covers the same ground
// through code-server.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { Commands } from '../../src/shared/ids';

const checks: [string, () => Promise<void>][] = [
  [
    'the extension activates',
    async () => {
      const ext = vscode.extensions.getExtension('lathe.lathe');
      assert.ok(ext, 'extension lathe.lathe is installed');
      await ext.activate();
      assert.ok(ext.isActive);
    },
  ],
  [
    'every declared command is registered',
    async () => {
      const all = new Set(await vscode.commands.getCommands(true));
      for (const id of Object.values(Commands)) assert.ok(all.has(id), `${id} registered`);
    },
  ],
  [
    'refresh runs without error',
    async () => {
      await vscode.commands.executeCommand(Commands.refresh);
    },
  ],
];

export async function run(): Promise<void> {
  const failures: string[] = [];
  for (const [name, check] of checks) {
    try {
      await check();
      console.log(`ok - ${name}`);
    } catch (e) {
      failures.push(name);
      console.log(`not ok - ${name}: ${(e as Error).message}`);
    }
  }
  console.log(`${checks.length - failures.length} passed, ${failures.length} failed`);
  if (failures.length) throw new Error(`${failures.length} extension-host check(s) failed`);
}
