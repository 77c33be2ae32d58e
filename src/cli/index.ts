#!/usr/bin/env node
import { registerBuiltinStages } from '../core/stages';
import { main } from './main';

// built-in pipeline stages run this same CLI (the bundle, or the sources under tsx) as tracked runs
registerBuiltinStages({ command: [process.execPath, ...process.execArgv, process.argv[1]] });

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`lathe: ${String(e)}\n`);
    process.exitCode = 1;
  },
);
