-- Up Migration
-- user_id is not a foreign key: users live in another service's schema, owned by that service.
-- seq orders a user's orders for keyset pagination (ids are random).
CREATE TABLE orders (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  seq bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT orders_seq_unique UNIQUE,
  user_id uuid NOT NULL,
  total_cents bigint NOT NULL CHECK (total_cents >= 0),
  status text NOT NULL DEFAULT 'created' CHECK (status IN ('created', 'cancelled')),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_by_user ON orders (user_id, seq);

CREATE TABLE order_items (
  order_id uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  position integer NOT NULL,
  sku text NOT NULL,
  quantity integer NOT NULL CHECK (quantity > 0),
  unit_price_cents bigint NOT NULL CHECK (unit_price_cents >= 0),
  PRIMARY KEY (order_id, position)
);

-- Down Migration
DROP TABLE order_items;
DROP TABLE orders;
