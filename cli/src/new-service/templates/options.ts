/** What `platform new service` was asked for, validated: the name and route are safe in paths and code. */
export interface NewServiceOptions {
  name: string;
  db: boolean;
  events: boolean;
  /** The gateway prefix, when the service is exposed through the edge. */
  route?: string;
  auth: 'required' | 'public';
  instances: number;
}

/** One file to write, relative to services/<name>. */
export interface GeneratedFile {
  path: string;
  content: string;
}

/** Words the templates use for the service's name in code and config. */
export interface Names {
  name: string;
  /** `stock-levels` → `stockLevels` */
  camel: string;
  /** The function that registers its routes: `registerStockLevelsRoutes` */
  routesFn: string;
  /** `stock-levels` → `STOCK_LEVELS`, the prefix of its own environment variables */
  envPrefix: string;
  /** Where its routes live: the gateway prefix, or `/<name>` when it is internal only. */
  base: string;
}

export function namesOf(options: NewServiceOptions): Names {
  const camel = options.name.replace(/-([a-z0-9])/g, (_match, c: string) => c.toUpperCase());
  const routesFn = `register${camel.charAt(0).toUpperCase()}${camel.slice(1)}Routes`;
  return { name: options.name, camel, routesFn, envPrefix: options.name.toUpperCase().replace(/-/g, '_'), base: options.route ?? `/${options.name}` };
}
