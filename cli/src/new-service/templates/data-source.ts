import { namesOf, type GeneratedFile, type NewServiceOptions } from './options';

const domainSource = `/** What the service keeps: rename and extend it to the service's own domain. */
export interface Item {
  id: string;
  name: string;
  createdAt: string;
}

export interface NewItem {
  name: string;
}
`;

const memoryRepoSource = (name: string): string => `import { randomUUID } from 'node:crypto';
import type { Item, NewItem } from '../domain/item';

/** ${name}'s data layer; the routes see only this. */
export interface ItemsRepo {
  create(input: NewItem): Promise<Item>;
  get(id: string): Promise<Item | undefined>;
  /** Ordered by id; \`after\` continues from the last id of the page before. */
  list(limit: number, after?: string): Promise<Item[]>;
}

/** Items in memory, for the route tests (and the service itself when it has no database). */
export function createMemoryItemsRepo(): ItemsRepo {
  const items = new Map<string, Item>();
  return {
    async create(input) {
      const item = { id: randomUUID(), name: input.name.trim(), createdAt: new Date().toISOString() };
      items.set(item.id, item);
      return item;
    },
    async get(id) {
      return items.get(id);
    },
    async list(limit, after) {
      return [...items.values()].filter((i) => after === undefined || i.id > after).sort((a, b) => a.id.localeCompare(b.id)).slice(0, limit);
    },
  };
}
`;

function postgresRepoSource(options: NewServiceOptions): string {
  const { name } = namesOf(options);
  const create = options.events
    ? `      // The event commits with the row or not at all (transactional outbox; the kit's relay publishes it).
      return db.write.transaction(async (tx) => {
        const { rows } = await tx.query<ItemRow>(\`INSERT INTO items (name) VALUES ($1) RETURNING \${COLUMNS}\`, [input.name.trim()]);
        const item = toItem(rows[0] as ItemRow);
        await recordItemCreated(tx, item);
        return item;
      });`
    : `      const { rows } = await db.write.query<ItemRow>(\`INSERT INTO items (name) VALUES ($1) RETURNING \${COLUMNS}\`, [input.name.trim()]);
      return toItem(rows[0] as ItemRow);`;
  return `import type { Database } from '@platform/service-kit';
import type { Item } from '../domain/item';
${options.events ? `import { recordItemCreated } from '../events/${name}-events';\n` : ''}import type { ItemsRepo } from './items-repo';

interface ItemRow {
  id: string;
  name: string;
  created_at: Date;
}

const COLUMNS = 'id, name, created_at';

const toItem = (row: ItemRow): Item => ({ id: row.id, name: row.name, createdAt: row.created_at.toISOString() });

/** Items in ${name}'s own database schema. Writes go to the primary; reads to a replica that has what the request must see. */
export function createPostgresItemsRepo(db: Database): ItemsRepo {
  return {
    async create(input) {
${create}
    },
    async get(id) {
      const { rows } = await db.read.query<ItemRow>(\`SELECT \${COLUMNS} FROM items WHERE id = $1\`, [id]);
      return rows[0] ? toItem(rows[0]) : undefined;
    },
    async list(limit, after) {
      const { rows } = await db.read.query<ItemRow>(\`SELECT \${COLUMNS} FROM items WHERE $2::uuid IS NULL OR id > $2 ORDER BY id LIMIT $1\`, [limit, after ?? null]);
      return rows.map(toItem);
    },
  };
}
`;
}

const itemsMigration = `-- Up Migration
CREATE TABLE items (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE items;
`;

const outboxMigration = `// The outbox the kit's relay publishes from; its shape belongs to the kit (messaging/schema.ts).
const { messaging } = require('@platform/service-kit');

exports.up = (pgm) => pgm.sql(messaging.OUTBOX_TABLE_SQL);
exports.down = (pgm) => pgm.sql(messaging.OUTBOX_DROP_SQL);
`;

function eventsSource(options: NewServiceOptions): string {
  const { name, envPrefix } = namesOf(options);
  return `import { messaging, type Queryable } from '@platform/service-kit';
import type { Item } from '../domain/item';

/** The topic ${name} publishes on; consumers read the contract below from here, not from code. */
export const ${envPrefix}_TOPIC: messaging.TopicSpec = { topic: '${name}.events', partitions: 3, retentionMs: 7 * 24 * 3600 * 1000 };

/** item.created, schema version 1. */
export interface ItemCreatedV1 {
  itemId: string;
  name: string;
  createdAt: string;
}

/** Called inside the transaction that inserts the item. */
export async function recordItemCreated(tx: Queryable, item: Item): Promise<void> {
  const payload: ItemCreatedV1 = { itemId: item.id, name: item.name, createdAt: item.createdAt };
  await messaging.appendToOutbox(tx, ${envPrefix}_TOPIC.topic, messaging.newEvent('item.created', item.id, payload));
}
`;
}

/**
 * The template's migrations have fixed stamps, not the time of writing: `remove service` keeps the
 * service's schema and data, so a service written again under the same name must find the same
 * migration history there (a new stamp made node-pg-migrate refuse the start).
 */
const FIRST_MIGRATION = 1764050000000;

/** Domain, repository (memory, and PostgreSQL with --db), migrations, and the outbox producer with --events. */
export function dataFiles(options: NewServiceOptions, now = FIRST_MIGRATION): GeneratedFile[] {
  const { name } = namesOf(options);
  const files: GeneratedFile[] = [
    { path: 'src/domain/item.ts', content: domainSource },
    { path: 'src/repo/items-repo.ts', content: memoryRepoSource(name) },
  ];
  if (options.db) {
    files.push({ path: 'src/repo/postgres-items-repo.ts', content: postgresRepoSource(options) }, { path: `migrations/${now}_create-items.sql`, content: itemsMigration });
  }
  if (options.events) {
    files.push({ path: `src/events/${name}-events.ts`, content: eventsSource(options) }, { path: `migrations/${now + 1}_create-outbox.js`, content: outboxMigration });
  }
  return files;
}
