export interface OrderItem {
  sku: string;
  quantity: number;
  unitPriceCents: number;
}

export interface Order {
  id: string;
  userId: string;
  items: OrderItem[];
  totalCents: number;
  status: 'created' | 'cancelled';
  createdAt: string;
}

export interface NewOrder {
  userId: string;
  items: OrderItem[];
}

export const orderTotalCents = (items: readonly OrderItem[]): number => items.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0);
