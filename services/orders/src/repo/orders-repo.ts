import { randomUUID } from 'node:crypto';
import { orderTotalCents, type NewOrder, type Order } from '../domain/order';

export interface OrderPage {
  items: Order[];
  next: string | null;
}

/** The orders data layer; the in-memory store is replaced by PostgreSQL behind this same interface. */
export interface OrdersRepo {
  create(input: NewOrder): Promise<Order>;
  get(id: string): Promise<Order | undefined>;
  listByUser(userId: string, limit: number, after?: string): Promise<OrderPage>;
}

export function createInMemoryOrdersRepo(): OrdersRepo {
  const orders: Order[] = [];
  const byId = new Map<string, Order>();
  return {
    async create(input) {
      const order: Order = {
        id: randomUUID(),
        userId: input.userId,
        items: input.items.map((i) => ({ ...i })),
        totalCents: orderTotalCents(input.items),
        status: 'created',
        createdAt: new Date().toISOString(),
      };
      orders.push(order);
      byId.set(order.id, order);
      return order;
    },
    async get(id) {
      return byId.get(id);
    },
    async listByUser(userId, limit, after) {
      // Insertion order is creation order; `after` is the id of the last order of the previous page.
      const mine = orders.filter((o) => o.userId === userId);
      const start = after === undefined ? 0 : mine.findIndex((o) => o.id === after) + 1;
      const items = mine.slice(start, start + limit);
      const last = items.at(-1);
      return { items, next: start + limit < mine.length && last ? last.id : null };
    },
  };
}
