// Every CLI command, one file each. A new command adds one line here.
import type { CommandModule } from '../context.js';
import { registerConfig } from './config.js';

export const commands: CommandModule[] = [registerConfig];
