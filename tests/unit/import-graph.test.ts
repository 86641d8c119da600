import { importProblem, importViolations, workspaces } from '../harness/import-graph';
import { repoRoot } from '../harness/service-process';

const all = workspaces(repoRoot);
const at = (dir: string) => {
  const found = all.find((w) => w.dir === dir);
  if (!found) throw new Error(`no workspace ${dir}`);
  return found;
};

test('no library, component or service imports the CLI, a layer above it, or another package’s internals', () => {
  expect(importViolations(repoRoot)).toEqual([]);
});

test('the check refuses an import of the CLI, of a file inside another package, and a relative path out of the package', () => {
  const kafka = at('platform/kafka');
  expect(importProblem('platform/kafka/src/broker.ts', '@platform/cli', kafka, all)).toMatch(/sits above/);
  expect(importProblem('platform/kafka/src/broker.ts', '@platform/consul/dist/agent-config', kafka, all)).toMatch(/internals/);
  expect(importProblem('platform/kafka/src/broker.ts', '../../consul/src/agent', kafka, all)).toMatch(/relative path/);
  expect(importProblem('packages/service-kit/src/index.ts', '@platform/postgres', at('packages/service-kit'), all)).toMatch(/sits above/);
  expect(importProblem('services/orders/src/app.ts', '@platform/users', at('services/orders'), all)).toMatch(/another service/);
});

test('the check lets a package import a library’s index, its own files and outside modules', () => {
  const kafka = at('platform/kafka');
  expect(importProblem('platform/kafka/src/broker.ts', '@platform/process-runner', kafka, all)).toBeUndefined();
  expect(importProblem('platform/kafka/src/broker.ts', './broker-config', kafka, all)).toBeUndefined();
  expect(importProblem('platform/kafka/src/broker.ts', '@platformatic/kafka', kafka, all)).toBeUndefined();
  expect(importProblem('platform/kafka/src/broker.ts', 'node:fs', kafka, all)).toBeUndefined();
});
