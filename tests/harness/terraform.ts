import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from '@cdktf/hcl2json';

/**
 * terraform/ parsed as HCL (@cdktf/hcl2json, the HCL library compiled to wasm): literals stay
 * values, every expression stays its source text wrapped in "${...}". Tests read the literal
 * tables (roles, ports) and compare the expressions that wire them as text.
 */
export type HclValue = string | number | boolean | null | HclValue[] | { [key: string]: HclValue };
export type HclBody = { [key: string]: HclValue };
/** type → name → bodies: hcl2json lists every labelled block as an array of its bodies. */
export type HclBlocks = Record<string, Record<string, HclBody[]>>;

/** One row of network.tf's group_rules (or cluster_group_rules): traffic into one security group from another. */
export interface GroupRule {
  into: string;
  /** A security group: "cluster" (every node) or a node role. */
  from: string;
  protocol: string;
  from_port: number;
  to_port: number;
}

export interface TerraformConfig {
  resources: HclBlocks;
  data: HclBlocks;
  modules: Record<string, HclBody[]>;
  locals: HclBody;
  variables: string[];
  outputs: HclBody;
}

export const TERRAFORM_DIR = join(__dirname, '..', '..', 'terraform');

interface ParsedFile {
  resource?: HclBlocks;
  data?: HclBlocks;
  module?: Record<string, HclBody[]>;
  locals?: HclBody[];
  variable?: Record<string, HclBody[]>;
  output?: Record<string, HclBody[]>;
}

function mergeBlocks(into: HclBlocks, from: HclBlocks | undefined): void {
  for (const [type, named] of Object.entries(from ?? {})) {
    const target = (into[type] ??= {});
    for (const [name, bodies] of Object.entries(named)) {
      if (target[name]) throw new Error(`${type}.${name} is declared twice`);
      target[name] = bodies;
    }
  }
}

/** Every .tf file of the root module, merged; a name declared twice is an error, as in terraform. */
export async function loadTerraform(dir = TERRAFORM_DIR): Promise<TerraformConfig> {
  const config: TerraformConfig = { resources: {}, data: {}, modules: {}, locals: {}, variables: [], outputs: {} };
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.tf')).sort()) {
    const parsed = (await parse(file, readFileSync(join(dir, file), 'utf8'))) as ParsedFile;
    mergeBlocks(config.resources, parsed.resource);
    mergeBlocks(config.data, parsed.data);
    for (const [name, bodies] of Object.entries(parsed.module ?? {})) config.modules[name] = bodies;
    config.variables.push(...Object.keys(parsed.variable ?? {}));
    for (const [name, [output]] of Object.entries(parsed.output ?? {})) config.outputs[name] = output ?? {};
    for (const locals of parsed.locals ?? []) {
      for (const [name, value] of Object.entries(locals)) {
        if (name in config.locals) throw new Error(`local.${name} is declared twice`);
        config.locals[name] = value;
      }
    }
  }
  return config;
}

/** The one body of a block that must exist (for_each and count blocks have one body too). */
export function body(blocks: HclBlocks, type: string, name: string): HclBody {
  const bodies = blocks[type]?.[name];
  if (bodies?.length !== 1) throw new Error(`expected one ${type}.${name}, found ${bodies?.length ?? 0}`);
  return bodies[0] as HclBody;
}

/** Every string anywhere in a parsed value (expressions keep their source text), for scans. */
export function hclStrings(value: HclValue | undefined): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(hclStrings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(hclStrings);
  return [];
}

/** What a reference may name: locals, variables, modules, data sources and resources declared in the module. */
function declared(config: TerraformConfig): Set<string> {
  return new Set([
    ...Object.keys(config.locals).map((name) => `local.${name}`),
    ...config.variables.map((name) => `var.${name}`),
    ...Object.keys(config.modules).map((name) => `module.${name}`),
    ...Object.entries(config.data).flatMap(([type, named]) => Object.keys(named).map((name) => `data.${type}.${name}`)),
    ...Object.entries(config.resources).flatMap(([type, named]) => Object.keys(named).map((name) => `${type}.${name}`)),
  ]);
}

/**
 * Every name an expression uses that the module does not declare (the part of `terraform
 * validate` that needs no provider plugin), and how many distinct references were read.
 */
export function undeclaredReferences(config: TerraformConfig): { undeclared: string[]; references: number } {
  const known = declared(config);
  const everything = [config.resources, config.data, config.modules, config.locals, config.outputs] as unknown as HclValue[];
  const references = new Set(
    everything
      .flatMap(hclStrings)
      .flatMap((text) => [...text.matchAll(/(?<![\w./-])(local\.[\w-]+|var\.[\w-]+|module\.[\w-]+|data\.\w+\.[\w-]+|(?:aws|random|tls)_\w+\.[\w-]+)/g)].map((m) => m[1] ?? '')),
  );
  return { undeclared: [...references].filter((ref) => !known.has(ref)).sort(), references: references.size };
}
