import { dispatch } from './command/dispatch';
import { COMMANDS } from './registry';

dispatch(COMMANDS, process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`platform: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
