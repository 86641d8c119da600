/**
 * The tables the kit's messaging needs, for a service's own migrations to create
 * (`pgm.sql(OUTBOX_TABLE_SQL)`): the outbox a producer writes in its business transaction, and
 * the inbox a consumer records handled event ids in, in the same transaction as their effect.
 */
export const OUTBOX_TABLE_SQL = `
CREATE TABLE IF NOT EXISTS outbox (
  seq         bigserial PRIMARY KEY,
  event_id    uuid NOT NULL UNIQUE,
  topic       text NOT NULL,
  key         text NOT NULL,
  value       jsonb NOT NULL,
  headers     jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- the relay lease shard: one aggregate always maps to one shard, so its events keep their order
  shard       smallint NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  sent_at     timestamptz
);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (shard, seq) WHERE sent_at IS NULL;
CREATE INDEX IF NOT EXISTS outbox_sent ON outbox (sent_at) WHERE sent_at IS NOT NULL;
`;

export const OUTBOX_DROP_SQL = 'DROP TABLE IF EXISTS outbox;';

export const INBOX_TABLE_SQL = `
CREATE TABLE IF NOT EXISTS inbox (
  consumer     text NOT NULL,
  event_id     uuid NOT NULL,
  topic        text NOT NULL,
  status       text NOT NULL CHECK (status IN ('applied', 'dead-lettered')),
  handled_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, event_id)
);
`;

export const INBOX_DROP_SQL = 'DROP TABLE IF EXISTS inbox;';
