import type { Database } from '@platform/service-kit';
import { orderTotalCents, type NewOrder, type Order, type OrderItem } from '../domain/order';
import { recordOrderCreated } from '../events/order-events';

export interface OrderPage {
  items: Order[];
  next: string | null;
}

/** The orders data layer. Writes go to the primary; reads to a replica that has what the request must see. */
export interface OrdersRepo {
  create(input: NewOrder): Promise<Order>;
  get(id: string): Promise<Order | undefined>;
  listByUser(userId: string, limit: number, after?: string): Promise<OrderPage>;
}

interface OrderRow {
  id: string;
  user_id: string;
  total_cents: string;
  status: Order['status'];
  created_at: Date;
  items: OrderItem[];
}

// Items come back as one JSON array per order, in the order they were placed.
const SELECT_ORDERS = `
SELECT o.id, o.user_id, o.total_cents, o.status, o.created_at,
       coalesce(json_agg(json_build_object('sku', i.sku, 'quantity', i.quantity, 'unitPriceCents', i.unit_price_cents) ORDER BY i.position)
                FILTER (WHERE i.order_id IS NOT NULL), '[]') AS items
  FROM orders o LEFT JOIN order_items i ON i.order_id = o.id`;

// bigint arrives as text; totals stay far below 2^53 (the route caps items, quantities and prices).
const toOrder = (row: OrderRow): Order => ({
  id: row.id,
  userId: row.user_id,
  items: row.items,
  totalCents: Number(row.total_cents),
  status: row.status,
  createdAt: row.created_at.toISOString(),
});

export function createPostgresOrdersRepo(db: Database): OrdersRepo {
  return {
    async create(input) {
      return db.write.transaction(async (tx) => {
        const { rows } = await tx.query<Omit<OrderRow, 'items'>>('INSERT INTO orders (user_id, total_cents) VALUES ($1, $2) RETURNING id, user_id, total_cents, status, created_at', [
          input.userId,
          orderTotalCents(input.items),
        ]);
        const order = rows[0] as Omit<OrderRow, 'items'>;
        await tx.query(
          `INSERT INTO order_items (order_id, position, sku, quantity, unit_price_cents)
           SELECT $1, item.position, item.sku, item.quantity, item.unit_price_cents
             FROM unnest($2::text[], $3::int[], $4::bigint[]) WITH ORDINALITY AS item(sku, quantity, unit_price_cents, position)`,
          [order.id, input.items.map((i) => i.sku), input.items.map((i) => i.quantity), input.items.map((i) => i.unitPriceCents)],
        );
        const created = toOrder({ ...order, items: input.items.map((i) => ({ sku: i.sku, quantity: i.quantity, unitPriceCents: i.unitPriceCents })) });
        await recordOrderCreated(tx, created);
        return created;
      });
    },
    async get(id) {
      const { rows } = await db.read.query<OrderRow>(`${SELECT_ORDERS} WHERE o.id = $1 GROUP BY o.id`, [id]);
      return rows[0] ? toOrder(rows[0]) : undefined;
    },
    async listByUser(userId, limit, after) {
      // Keyset pagination on seq: stable under concurrent inserts. An unknown cursor gives an empty page.
      const { rows } = await db.read.query<OrderRow>(
        `${SELECT_ORDERS}
          WHERE o.user_id = $1 AND ($2::uuid IS NULL OR o.seq > (SELECT seq FROM orders WHERE id = $2 AND user_id = $1))
          GROUP BY o.id ORDER BY o.seq LIMIT $3`,
        [userId, after ?? null, limit + 1],
      );
      const items = rows.slice(0, limit).map(toOrder);
      return { items, next: rows.length > limit ? (items.at(-1)?.id ?? null) : null };
    },
  };
}
