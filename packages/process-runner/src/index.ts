export { startChild, pidAlive } from './child';
export type { ChildHandle, ExitStatus, StartOptions } from './child';
export { waitFor, sleep } from './wait';
export type { WaitOptions } from './wait';
export { freePort, portIsFree } from './ports';
export { writeSecretFile, ensureSecretFile, readSecretFile } from './secret-file';
export { findUser, requireUser, ensureSystemUser, asUser, chownTree, permits, assertReachable, runningAsRoot, OS_USER_NAME } from './os-user';
export type { OsUser } from './os-user';
