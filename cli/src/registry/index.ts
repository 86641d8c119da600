import type { CommandSpec } from '../command/command';
import { dbCommands } from './db';
import { alertsCommand, logsCommand, openCommand, statusCommand } from './inspect';
import { accountsCommand, downCommand, nodeCommand, upCommand } from './lifecycle';
import { migrateCommand, scaleCommand } from './operate';
import { newServiceCommand, removeServiceCommand } from './services';

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
  logsCommand,
  alertsCommand,
  openCommand,
  downCommand,
  migrateCommand,
  ...dbCommands,
  accountsCommand,
  nodeCommand,
];
