// The outbox the kit's relay publishes from; its shape belongs to the kit (messaging/schema.ts).
const { messaging } = require('@platform/service-kit');

exports.up = (pgm) => pgm.sql(messaging.OUTBOX_TABLE_SQL);
exports.down = (pgm) => pgm.sql(messaging.OUTBOX_DROP_SQL);
