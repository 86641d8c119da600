import { join } from 'node:path';
import { loadTerraform, TERRAFORM_DIR, undeclaredReferences } from '../harness/terraform';

// No provider plugins can be fetched here, so `terraform validate` cannot run: this is the part of
// it that needs none, every name an expression uses is declared.
test('every local, variable, module, data source and resource an expression names is declared', async () => {
  const { undeclared, references } = undeclaredReferences(await loadTerraform());
  expect(references).toBeGreaterThan(50);
  expect(undeclared).toEqual([]);
});

test.each(['node-pool', 'cluster-members'])('every name the %s module uses is declared in it', async (module) => {
  const { undeclared, references } = undeclaredReferences(await loadTerraform(join(TERRAFORM_DIR, 'modules', module)));
  expect(references).toBeGreaterThan(5);
  expect(undeclared).toEqual([]);
});
