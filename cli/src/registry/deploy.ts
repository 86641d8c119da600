import { defineCommand, intFlag, UsageError } from '../command/command';
import { STRATEGIES, type DeployStrategy } from '../deploys/deploy-status';

/** Seconds from `90`, `90s`, `10m` or `1h`. */
function secondsFlag(name: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const match = /^(\d+)(s|m|h)?$/.exec(raw.trim());
  const value = match ? Number(match[1]) * { s: 1, m: 60, h: 3600 }[(match[2] ?? 's') as 's' | 'm' | 'h'] : NaN;
  if (!(value >= min && value <= max)) throw new UsageError(`--${name} must be a duration from ${min} s to ${max} s such as 60s or 10m, got ${JSON.stringify(raw)}`);
  return value;
}

function ratioFlag(name: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || value < min || value > max) throw new UsageError(`--${name} must be a number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return value;
}

function oneService(positionals: string[]): string {
  const [service] = positionals;
  if (!service) throw new UsageError('name the service');
  return service;
}

export const deployCommand = defineCommand({
  name: 'deploy',
  args: '<service>',
  maxPositionals: 1,
  summary: 'build a release of a service and roll it out (rolling, canary or blue-green)',
  description: `Builds services/<service> (tsc -b), copies what its instances run (dist, package.json,
migrations) into an immutable release folder named <version>-<content hash>, and asks the supervisor
to roll it out; the supervisor runs the deploy, so closing the terminal does not stop it.
rolling (default): one new instance at a time, each passing and routed by every load balancer before
one old instance drains; a failed health check restores the old release and exits 1.
canary: --weight percent of callers to the new release for --analysis, its 5xx ratio and p99 against
the old release's; promoted or rolled back (exit 1) by itself. blue-green: a full new set, every
caller switched at once, the old set idle for --keep (platform rollback switches back at once).`,
  options: {
    strategy: { type: 'string', value: 'rolling|canary|blue-green', description: 'how the new release replaces the old (default rolling)' },
    from: { type: 'string', value: 'folder', description: 'release this built service folder (dist/, package.json) instead of building services/<service>' },
    weight: { type: 'string', value: 'percent', description: 'canary: percent of callers sent to the new release (1-100, default 10)' },
    analysis: { type: 'string', value: 'duration', description: 'canary: how long its figures are compared (default 60s)' },
    keep: { type: 'string', value: 'duration', description: 'blue-green: how long the old set stays idle for an instant rollback (default 10m)' },
    'health-timeout': { type: 'string', value: 'duration', description: 'how long a new instance may take to pass and be routed (default 60s)' },
    'min-requests': { type: 'string', value: 'n', description: 'canary: requests each release needs before its figures count (default 50)' },
    'max-error-increase': { type: 'string', value: 'ratio', description: "canary: how far its 5xx ratio may exceed the old release's (default 0.01)" },
    'max-p99-ratio': { type: 'string', value: 'factor', description: "canary: how many times the old release's p99 its p99 may be (default 2)" },
  },
  examples: ['deploy users', 'deploy users --strategy canary --weight 20 --analysis 2m', 'deploy users --strategy blue-green --keep 15m', 'deploy users --from /tmp/users-build'],
  json: 'document',
  async run({ values, positionals, json }) {
    const strategy = values.strategy ?? 'rolling';
    if (!STRATEGIES.includes(strategy as DeployStrategy)) throw new UsageError(`--strategy must be one of ${STRATEGIES.join(', ')}`);
    const request = {
      strategy: strategy as DeployStrategy,
      weight: intFlag('weight', values.weight, 1, 100),
      analysisS: secondsFlag('analysis', values.analysis, 1, 3600),
      keepS: secondsFlag('keep', values.keep, 0, 86_400),
      healthTimeoutS: secondsFlag('health-timeout', values['health-timeout'], 1, 600),
      thresholds: {
        minRequests: intFlag('min-requests', values['min-requests'], 1, 1_000_000),
        maxErrorIncrease: ratioFlag('max-error-increase', values['max-error-increase'], 0, 1),
        maxP99Ratio: ratioFlag('max-p99-ratio', values['max-p99-ratio'], 1, 100),
      },
    };
    return (await import('../commands/deploy.js')).deploy(oneService(positionals), values.from, request, json);
  },
});

export const deployStatusCommand = defineCommand({
  name: 'deploy status',
  args: '<service>',
  maxPositionals: 1,
  summary: "the service's last deploy or rollback: every decision, with its figures",
  options: {},
  examples: ['deploy status users', 'deploy status users --json'],
  json: 'document',
  async run({ positionals, json }) {
    return (await import('../commands/deploy.js')).deployStatus(oneService(positionals), json);
  },
});

export const releasesCommand = defineCommand({
  name: 'releases',
  args: '<service>',
  maxPositionals: 1,
  summary: "a service's releases: which runs, on how many instances, which rollback returns to",
  options: {},
  examples: ['releases users', 'releases users --json'],
  json: 'document',
  async run({ positionals, json }) {
    return (await import('../commands/deploy.js')).releases(oneService(positionals), json);
  },
});

export const rollbackCommand = defineCommand({
  name: 'rollback',
  args: '<service>',
  maxPositionals: 1,
  summary: 'back to the previous release (at once during a blue-green keep or a canary, else rolling)',
  options: {},
  examples: ['rollback users'],
  async run({ positionals }) {
    return (await import('../commands/deploy.js')).rollback(oneService(positionals));
  },
});

export const deployCommands = [deployCommand, deployStatusCommand, releasesCommand, rollbackCommand];
