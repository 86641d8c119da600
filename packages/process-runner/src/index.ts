export { startChild, pidAlive } from './child';
export type { ChildHandle, ExitStatus, StartOptions } from './child';
export { waitFor, sleep } from './wait';
export type { WaitOptions } from './wait';
export { freePort, portIsFree } from './ports';
export { writeSecretFile, ensureSecretFile, readSecretFile } from './secret-file';
