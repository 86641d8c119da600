/**
 * Every error code the platform raises, with what to do about it. docs/troubleshooting.md lists
 * each with more words; a unit test keeps the two and the source in step. `exit` is the CLI's exit
 * status for the code (1 unless told: 2 usage, 3 not running).
 */
export interface CatalogueEntry {
  /** What to do, in one line; the CLI prints it under the error. */
  hint?: string;
  exit?: 2 | 3;
}

export const ERROR_CATALOGUE = {
  // The service kit.
  KIT_CONFIG_INVALID: { hint: 'fix the variables listed; every problem is reported at once' },
  KIT_START_FAILED: { hint: 'read the reason; Consul or the database not reachable yet is the usual one' },
  KIT_SERVICE_CALL_FAILED: {},
  KIT_DB_WRITE_ON_READ_POOL: { hint: 'send writes on db.write' },
  KIT_CONSUL_REQUEST_FAILED: {},
  KIT_EVENT_MALFORMED: {},
  KIT_MIGRATIONS_MISSING: { hint: 'the service has no migrations/ folder beside its dist/; build it again' },

  // Components and the CLI.
  PLATFORM_INTERNAL: { hint: 'a bug or an unexpected state: run again with PLATFORM_DEBUG=1 for the stack and report it' },
  PLATFORM_USAGE: { hint: 'platform help lists the commands and their options', exit: 2 },
  PLATFORM_NOT_RUNNING: { hint: 'start it with: npm run up', exit: 3 },
  PLATFORM_BUSY: { hint: 'wait until platform status shows it running, then try again' },
  PLATFORM_UP_FAILED: { hint: 'the supervisor log named in the message says which component failed' },
  PLATFORM_START_EXITED: { hint: "the component's own last error lines are in the message; its log file has the rest" },
  PLATFORM_START_TIMEOUT: { hint: 'the machine may be overloaded; the component log says where it got stuck' },
  PLATFORM_PORT_IN_USE: { hint: 'stop the other process, or move the platform with the variable named' },
  PLATFORM_NO_FREE_PORT: {},
  PLATFORM_INSTALL_FAILED: { hint: 'the installer messages above say which component failed; run platform/install.sh again' },
  PLATFORM_UNKNOWN_SERVICE: {},
  PLATFORM_NEW_SERVICE_NAME: { hint: 'lower-case letters, digits and single dashes, starting with a letter, at most 63; not a name of the platform itself', exit: 2 },
  PLATFORM_NEW_SERVICE_EXISTS: { hint: 'pick another name; platform status lists the running services', exit: 2 },
  PLATFORM_NEW_SERVICE_ROUTE: { hint: 'a service routes /<name> and below unless services/gateway/route-grants.json grants it more', exit: 2 },
  PLATFORM_NEW_SERVICE_ROUTE_TAKEN: { hint: 'choose a prefix no other service holds (GET /docs through the edge lists them)', exit: 2 },
  PLATFORM_SERVICE_NOT_BUILT: { hint: 'run npm run build' },
  PLATFORM_SUPERVISOR_UNREACHABLE: { hint: 'platform status shows whether the supervisor still runs; its log is in the state folder' },
  PLATFORM_NEEDS_ROOT: { hint: 'run it as root (sudo)' },
  PLATFORM_SECRET_FILE_UNREADABLE: { hint: 'check that the file exists and that the user running the platform can read it' },
  PLATFORM_OS_USER_MISSING: { hint: 'run platform accounts as root (the image build does it)' },
  PLATFORM_OS_USER_INVALID: {},
  PLATFORM_OS_USER_NO_ACCESS: { hint: 'apply the chmod named in the message, or move the folder' },
  PLATFORM_OS_USER_CREATE_FAILED: { hint: 'where /etc is read-only, run platform accounts when building the image' },
  PLATFORM_OS_USER_BUSY: { hint: 'stop the processes named (ps -u <user>), then userdel <user>' },
  PLATFORM_OS_USER_REMOVE_FAILED: { hint: "userdel's reason is in the message; remove the account by hand" },
  PLATFORM_CONSUL_UNAVAILABLE: { hint: 'is the platform up? platform status shows Consul' },
  PLATFORM_CONSUL_TOKEN_MISSING: { hint: 'platform up writes the tokens; on cloud nodes they come from SSM' },
  PLATFORM_CONSUL_ACL_FAILED: {},
  PLATFORM_INVALID_NAME: {},
  PLATFORM_ROLLOUT_RECORD: { hint: 'platform deploy status shows the rollout; platform rollback <service> clears it' },
  PLATFORM_RELEASE_INVALID: { hint: 'platform releases <service> lists the releases there are; a source folder needs a built dist/ and a package.json with a "platform" section' },
  PLATFORM_DEPLOY_BUSY: { hint: 'one deploy per service at a time: platform deploy status <service> shows the running one' },
  PLATFORM_DEPLOY_ROLLED_BACK: { hint: 'platform deploy status <service> lists every decision and why; the previous release serves meanwhile' },
  PLATFORM_NO_PREVIOUS_RELEASE: { hint: 'platform releases <service> lists the releases; deploy one by folder with platform deploy <service> --from <folder>' },
  PLATFORM_DEPLOY_MIGRATION_FAILED: { hint: 'nothing of the release started and the old one runs on; fix the migration (compatible with the running release) and deploy again' },
  PLATFORM_MIGRATION_FAILED: { hint: "the message is the migration tool's; fix the migration (or the schema it found) and run platform migrate <service>" },
  PLATFORM_DB_NOT_CONFIGURED: { hint: 'start the platform (npm run up) or set DB_WRITE_URL and DB_PASSWORD_FILE' },
  PLATFORM_DB_NO_MEMBERS: { hint: 'is the platform up? platform db status lists the members' },
  PLATFORM_DB_UNKNOWN_MEMBER: { hint: 'platform db status lists the members' },
  PLATFORM_DB_NO_LEADER: { hint: 'use platform db failover --to <member>' },
  PLATFORM_DB_CONFIG_INVALID: {},
  PLATFORM_DB_SECRETS_LOST: { hint: 'restore the secrets/ folder from a backup, or remove the state folder to start empty' },
  PLATFORM_DB_ROLE_MISMATCH: { hint: 'point the node at its own data folder, or set its role to match the data' },
  PLATFORM_DB_INIT_FAILED: { hint: 'the log file named in the message has PostgreSQL\'s own error' },
  PLATFORM_PATRONI_REFUSED: { hint: "Patroni's answer is in the message; platform db status shows the cluster" },
  PLATFORM_HAPROXY_CONFIG_REFUSED: {},
  PLATFORM_HAPROXY_RUNTIME_API: {},
  PLATFORM_HAPROXY_CHROOT_NOT_EMPTY: { hint: 'empty the folder named, or remove it: platform up makes it again' },
  PLATFORM_EDGE_CERT_NAMES_INVALID: {},
  PLATFORM_ALERT_WEBHOOK_INVALID: { hint: 'the file named by ALERT_WEBHOOK_URL_FILE must hold one http(s) URL' },
  PLATFORM_MONITORING_UNAVAILABLE: { hint: 'is the platform up? platform status shows Prometheus and Alertmanager' },
  PLATFORM_LOG_STORE_UNREACHABLE: { hint: 'start the platform, or read one service\'s local files: platform logs <service> --local', exit: 3 },
  PLATFORM_LOGS_NOT_FOUND: {},
} as const satisfies Record<string, CatalogueEntry>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;
