import { hclStrings, loadTerraform, type HclValue, type TerraformConfig } from '../harness/terraform';

/** What a reference may name: locals, variables, modules, data sources and resources declared in terraform/. */
function declared(config: TerraformConfig): Set<string> {
  return new Set([
    ...Object.keys(config.locals).map((name) => `local.${name}`),
    ...config.variables.map((name) => `var.${name}`),
    ...Object.keys(config.modules).map((name) => `module.${name}`),
    ...Object.entries(config.data).flatMap(([type, named]) => Object.keys(named).map((name) => `data.${type}.${name}`)),
    ...Object.entries(config.resources).flatMap(([type, named]) => Object.keys(named).map((name) => `${type}.${name}`)),
  ]);
}

// No provider plugins can be fetched here, so `terraform validate` cannot run: this is the part of
// it that needs none, every name an expression uses is declared.
test('every local, variable, module, data source and resource an expression names is declared', async () => {
  const config = await loadTerraform();
  const known = declared(config);
  const everything = [config.resources, config.data, config.modules, config.locals, config.outputs] as unknown as HclValue[];
  const references = new Set(
    everything
      .flatMap(hclStrings)
      .flatMap((text) => [...text.matchAll(/(?<![\w./-])(local\.[\w-]+|var\.[\w-]+|module\.[\w-]+|data\.\w+\.[\w-]+|(?:aws|random|tls)_\w+\.[\w-]+)/g)].map((m) => m[1] ?? '')),
  );
  expect(references.size).toBeGreaterThan(50);
  expect([...references].filter((ref) => !known.has(ref)).sort()).toEqual([]);
});
