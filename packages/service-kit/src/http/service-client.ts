import { Agent, request, type RequestOptions } from 'node:http';
import { KitError } from '../errors/kit-errors';
import { requestContext } from '../logging/request-context';
import { startClientSpan } from '../tracing/http-spans';
import { closedWhileIdle } from './reused-connection';

export interface ServiceCallOptions {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  timeoutMs?: number;
  /**
   * The route template of `path` as the callee declares it (`/users/:id`): names the call's span
   * (`GET users /users/:id`). Without it the span is named by method and service only.
   */
  route?: string;
}

export interface ServiceAnswer<T> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
}

export interface ServiceClient {
  call<T = unknown>(service: string, path: string, options?: ServiceCallOptions): Promise<ServiceAnswer<T>>;
}

/**
 * Set by the internal load balancer on its own 404 when no instance of the named service is
 * routed (yet, or any more): the call failed, it is not the service's "not found".
 */
export const NO_ROUTE_HEADER = 'x-platform-no-route';

export class ServiceCallError extends KitError {
  constructor(service: string, message: string, options?: { cause?: unknown }) {
    super('KIT_SERVICE_CALL_FAILED', `call to ${service} failed: ${message}`, true, options);
  }
}

/**
 * Calls another service the platform's way: through the internal load balancer, naming the
 * service in the Host header, never by an instance's address. Connections are kept alive. A call
 * made while serving a request carries that request's id and trace (x-request-id, traceparent),
 * so the callee's log lines join the caller's.
 */
export function createServiceClient(lbAddr: { host: string; port: number } | undefined): ServiceClient {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  return {
    async call<T>(service: string, path: string, options: ServiceCallOptions = {}): Promise<ServiceAnswer<T>> {
      if (!lbAddr) throw new ServiceCallError(service, 'INTERNAL_LB_ADDR is not set, so no load balancer is known');
      const method = options.method ?? 'GET';
      const span = startClientSpan(method, service, options.route);
      const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
      const headers: Record<string, string> = { ...requestContext.outgoingHeaders(requestContext.current(span?.otel)), accept: 'application/json', ...options.headers, host: service };
      if (payload !== undefined) headers['content-type'] = 'application/json';
      const answer = send<T>({ agent, host: lbAddr.host, port: lbAddr.port, path, method, headers, timeout: options.timeoutMs ?? 5_000 }, service, payload);
      if (!span) return answer;
      return answer.then(
        (a) => {
          span.end(a.status);
          return a;
        },
        (err: Error) => {
          span.fail(err);
          throw err;
        },
      );
    },
  };
}

/**
 * One request, its answer's body parsed when it is JSON; a failed exchange is a ServiceCallError.
 * An idempotent request that met its kept-alive connection closing is sent once more (reused-connection.ts).
 */
function send<T>(options: RequestOptions & { timeout: number }, service: string, payload: string | undefined, again = true): Promise<ServiceAnswer<T>> {
  return new Promise((resolve, reject) => {
    const req = request(options, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('error', (err) => reject(new ServiceCallError(service, err.message, { cause: err })));
      res.on('end', () => {
        if (res.headers[NO_ROUTE_HEADER]) return reject(new ServiceCallError(service, 'the internal load balancer routes no instance of it'));
        let body: unknown = text;
        if ((res.headers['content-type'] ?? '').includes('json') && text !== '') {
          try {
            body = JSON.parse(text);
          } catch {
            // Leave the text as it is: the caller sees what the callee sent.
          }
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: body as T });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${options.timeout} ms`)));
    req.on('error', (err) => {
      if (again && closedWhileIdle(req, err)) resolve(send<T>(options, service, payload, false));
      else reject(new ServiceCallError(service, err.message, { cause: err }));
    });
    req.end(payload);
  });
}
