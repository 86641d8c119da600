// The inbox the kit's idempotent consumer records handled events in; its shape belongs to the kit.
const { messaging } = require('@platform/service-kit');

exports.up = (pgm) => pgm.sql(messaging.INBOX_TABLE_SQL);
exports.down = (pgm) => pgm.sql(messaging.INBOX_DROP_SQL);
