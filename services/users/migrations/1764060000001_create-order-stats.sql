-- Up Migration
-- Per-user order statistics, kept from orders' order.created events (users/src/events).
CREATE TABLE user_order_stats (
  user_id uuid PRIMARY KEY,
  orders integer NOT NULL CHECK (orders >= 0),
  total_cents bigint NOT NULL CHECK (total_cents >= 0),
  last_order_at timestamptz NOT NULL
);

-- Down Migration
DROP TABLE user_order_stats;
