import { messaging, type Queryable } from '@platform/service-kit';

/** What users relies on in orders' order.created (schema version 1); other fields are ignored. */
interface OrderCreated {
  userId: string;
  totalCents: number;
  createdAt: string;
}

export const ORDER_EVENTS_TOPIC = 'orders.events';

function orderCreatedPayload(event: messaging.EventEnvelope): OrderCreated {
  const p = event.payload as Partial<OrderCreated> | null;
  const valid = event.schemaVersion === 1 && p !== null && typeof p.userId === 'string' && Number.isInteger(p.totalCents) && (p.totalCents ?? -1) >= 0 && typeof p.createdAt === 'string';
  // Thrown, so the kit retries and then dead-letters it with this message.
  if (!valid) throw new Error(`order.created ${event.id} has an unexpected payload or schema version ${event.schemaVersion}`);
  return p as OrderCreated;
}

/** Runs in the transaction that also records the event id: counted once, whatever the redeliveries. */
async function applyOrderCreated(tx: Queryable, event: messaging.EventEnvelope): Promise<void> {
  const order = orderCreatedPayload(event);
  await tx.query(
    `INSERT INTO user_order_stats (user_id, orders, total_cents, last_order_at) VALUES ($1, 1, $2, $3)
     ON CONFLICT (user_id) DO UPDATE SET orders = user_order_stats.orders + 1,
       total_cents = user_order_stats.total_cents + EXCLUDED.total_cents,
       last_order_at = greatest(user_order_stats.last_order_at, EXCLUDED.last_order_at)`,
    [order.userId, order.totalCents, order.createdAt],
  );
}

export const orderStatsConsumer = { name: 'order-stats', topic: ORDER_EVENTS_TOPIC, handlers: { 'order.created': applyOrderCreated } };

export interface UserOrderStats {
  userId: string;
  orders: number;
  totalCents: number;
  lastOrderAt: string | null;
}

export async function readOrderStats(db: Queryable, userId: string): Promise<UserOrderStats> {
  const { rows } = await db.query<{ orders: number; total_cents: string; last_order_at: Date }>('SELECT orders, total_cents, last_order_at FROM user_order_stats WHERE user_id = $1', [userId]);
  const row = rows[0];
  return { userId, orders: row?.orders ?? 0, totalCents: Number(row?.total_cents ?? 0), lastOrderAt: row ? row.last_order_at.toISOString() : null };
}
