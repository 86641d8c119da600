import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './service-process';

/** The major of the Node.js release pinned in platform/versions.env (NODE_VERSION=24.x.y). */
export const pinnedNodeMajor = (): number => Number(/^NODE_VERSION=(\d+)\./m.exec(readFileSync(join(repoRoot, 'platform/versions.env'), 'utf8'))?.[1]);

/** `v24.…` for the pinned major: what `process.version` / `node --version` must look like. */
export const pinnedNodeVersionPattern = (): RegExp => new RegExp(`^v${pinnedNodeMajor()}\\.\\d+\\.\\d+$`);
