import { dispatch } from './command/dispatch';
import { describeFailure } from './failure';
import { COMMANDS } from './registry';

dispatch(COMMANDS, process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const failure = describeFailure(err);
    process.stderr.write(failure.text);
    process.exit(failure.exit);
  },
);
