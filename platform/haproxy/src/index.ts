import { join } from 'node:path';

/**
 * The sync controller's entry point (main.ts), for whoever runs it as a process: the CLI's
 * supervisor and the test harness. Importing this index never starts one.
 */
export const controllerEntry = join(__dirname, 'main.js');

export { ensureEdgeCertificate } from './local-ca';
export type { EdgeCertificate } from './local-ca';
