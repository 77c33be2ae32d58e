import type { CliCommand } from '../command';
import { dataCommands } from './data';
import { distillCommand } from './distill';
import { driftCommand } from './drift';
import { evaluateCommand } from './evaluate';
import { initCommand } from './init';
import { loraCommands } from './lora';
import { modelCommands } from './model';
import { pipelineCommands } from './pipeline';
import { quantizeCommand } from './quantize';
import { runCommand } from './run';
import { runsCommands } from './runs';
import { sweepCommands } from './sweep';

/** Every CLI command. Feature folders add theirs here. */
export const commands: CliCommand<any>[] = [initCommand, ...dataCommands, runCommand, ...runsCommands, ...modelCommands, quantizeCommand, distillCommand, evaluateCommand, ...loraCommands, ...pipelineCommands, ...sweepCommands, driftCommand];
