import type { CliCommand } from '../command';
import { initCommand } from './init';

/** Every CLI command. Feature folders add theirs here. */
export const commands: CliCommand<any>[] = [initCommand];
