import { z } from 'zod';
import { csvVar } from '../config/env-types';

/**
 * A service that publishes or consumes events adds these to its config. Without KAFKA_BROKERS it
 * still starts: events wait in its outbox and nothing is consumed, and it says so in its log.
 */
export const messagingConfigShape = {
  KAFKA_BROKERS: csvVar.optional(),
};

export type MessagingConfig = z.infer<z.ZodObject<typeof messagingConfigShape>>;
