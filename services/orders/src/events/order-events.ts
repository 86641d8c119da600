import { messaging, type Queryable } from '@platform/service-kit';
import type { Order } from '../domain/order';

/** The topic orders publishes on; consumers read the contract below from here, not from code. */
export const ORDERS_TOPIC: messaging.TopicSpec = { topic: 'orders.events', partitions: 6, retentionMs: 7 * 24 * 3600 * 1000 };

/** order.created, schema version 1. */
export interface OrderCreatedV1 {
  orderId: string;
  userId: string;
  totalCents: number;
  itemCount: number;
  createdAt: string;
}

/** Called inside the transaction that inserts the order: the event commits with it or not at all. */
export async function recordOrderCreated(tx: Queryable, order: Order): Promise<void> {
  const payload: OrderCreatedV1 = { orderId: order.id, userId: order.userId, totalCents: order.totalCents, itemCount: order.items.length, createdAt: order.createdAt };
  await messaging.appendToOutbox(tx, ORDERS_TOPIC.topic, messaging.newEvent('order.created', order.id, payload));
}
