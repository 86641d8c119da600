import type { Route } from './routing/route-table';

/** What the gateway learns about a request before forwarding it, kept on the request itself. */
declare module 'fastify' {
  interface FastifyRequest {
    /** The route matched from the path; set first, so every later step knows the target. */
    gatewayRoute: Route | null;
    /** The normalised path and the query as sent: what was matched is what is forwarded. */
    gatewayUrl: string | null;
    /** The authenticated client id; null for an anonymous call to a public route. */
    clientId: string | null;
  }
}

export {};
