import { supervisorMain } from './supervisor/supervisor';

const planFile = process.argv[2];
if (!planFile) {
  process.stderr.write('usage: supervisor-main <plan.json>\n');
  process.exit(2);
}
supervisorMain(planFile).catch((err: unknown) => {
  process.stderr.write(`supervisor failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
