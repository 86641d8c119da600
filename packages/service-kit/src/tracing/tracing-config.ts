import { z } from 'zod';

/**
 * Tracing settings (part of every service's config, see base-config.ts). They are read once more,
 * on their own, when the kit is first imported: the SDK has to be running before fastify, pg and
 * http are loaded, long before the service's config is. A bad value there starts tracing with
 * nothing exported, and the config load then refuses the start with the usual message.
 */
export const tracingConfigShape = {
  /** Where spans go (OTLP over HTTP, the local Jaeger: http://127.0.0.1:4318); none: spans are not recorded. */
  TRACING_OTLP_URL: z
    .string()
    .trim()
    .url('must be an http:// or https:// URL, for example http://127.0.0.1:4318')
    .refine((v) => /^https?:\/\//.test(v), 'must be an http:// or https:// URL, for example http://127.0.0.1:4318')
    .transform((v) => v.replace(/\/+$/, ''))
    .optional(),
  /**
   * Share of traces started here that are recorded (0..1); a caller's decision (the sampled flag
   * of its traceparent, the edge's included) is followed either way.
   */
  TRACING_SAMPLE_RATIO: z
    .string()
    .trim()
    .regex(/^(0(\.\d+)?|1(\.0+)?)$/, 'must be a number from 0 to 1, for example 0.1')
    .transform(Number)
    .default('1'),
};

const tracingSchema = z.object(tracingConfigShape);
export type TracingConfig = z.infer<typeof tracingSchema>;

/** The tracing settings of `env`, or tracing without an exporter when they are not valid. */
export function tracingSettingsFrom(env: NodeJS.ProcessEnv): TracingConfig {
  const parsed = tracingSchema.safeParse(env);
  return parsed.success ? parsed.data : { TRACING_OTLP_URL: undefined, TRACING_SAMPLE_RATIO: 1 };
}
