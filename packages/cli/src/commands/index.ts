import type { CommandSpec } from '../command/command';
import { accountsCommand } from './accounts';
import { alertsCommand } from './alerts';
import { dbCommands } from './db';
import { downCommand } from './down';
import { logsCommand } from './logs';
import { migrateCommand } from './migrate';
import { nodeCommand } from './node';
import { openCommand } from './open';
import { scaleCommand } from './scale';
import { statusCommand } from './status';
import { upCommand } from './up';

/**
 * Every command of `platform`, in the order `platform --help` lists them. A new command is one
 * defineCommand() object added here: its help, flag checking, --json and its CLI tests follow.
 */
export const COMMANDS: readonly CommandSpec[] = [
  upCommand,
  statusCommand,
  scaleCommand,
  logsCommand,
  alertsCommand,
  openCommand,
  downCommand,
  migrateCommand,
  ...dbCommands,
  accountsCommand,
  nodeCommand,
];
