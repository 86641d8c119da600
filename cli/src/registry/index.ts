import type { CommandSpec } from '../command/command';
import { consoleCommand } from './console';
import { dbCommands } from './db';
import { flagsCommands } from './flags';
import { deployCommands } from './deploy';
import { alertsCommand, logsCommand, openCommand, statusCommand } from './inspect';
import { accountsCommand, downCommand, nodeCommand, upCommand } from './lifecycle';
import { migrateCommand, scaleCommand } from './operate';
import { newServiceCommand, removeServiceCommand } from './services';
import { traceCommand } from './trace';

/**
 * Every command of `platform`, in the order `platform --help` lists them. A new command is one
 * defineCommand() object (registry/<topic>.ts) added here: its help, flag checking, --json flag and
 * the CLI tests follow. Its implementation (commands/) is imported by its run, when it runs.
 */
export const COMMANDS: readonly CommandSpec[] = [
  upCommand,
  statusCommand,
  scaleCommand,
  newServiceCommand,
  removeServiceCommand,
  ...deployCommands,
  logsCommand,
  traceCommand,
  alertsCommand,
  consoleCommand,
  openCommand,
  downCommand,
  migrateCommand,
  ...dbCommands,
  ...flagsCommands,
  accountsCommand,
  nodeCommand,
];
