import type { Command } from 'commander';
import type { RegisterCommand } from '../../program.js';
import { registerSetupGcpCommand } from './gcp.js';
import { registerSetupSourceCommand } from './source.js';

/** `dms2bq setup <what>`: the mechanical one-time steps a stage needs, each planned before it is applied. */
const SETUP_COMMANDS: RegisterCommand[] = [registerSetupGcpCommand, registerSetupSourceCommand];

export function setupCommand(commands: readonly RegisterCommand[] = SETUP_COMMANDS): RegisterCommand {
  return (program: Command) => {
    const setup = program
      .command('setup')
      .description(
        'Set up what a stage needs outside the stack: the Google project (gcp), each source database (source).',
      );
    for (const register of commands) register(setup);
  };
}

export const registerSetupCommand = setupCommand();
