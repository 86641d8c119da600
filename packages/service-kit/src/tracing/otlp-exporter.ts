import http from 'node:http';
import https from 'node:https';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import { encodeTraceExport } from './otlp-protobuf';

/**
 * Sends the batch span processor's batches to an OTLP/HTTP receiver (`<url>/v1/traces`,
 * protobuf, no compression: the store is on this machine or the cluster's network), on kept-alive
 * connections. A batch that fails (the store down, an answer other than 2xx, no answer within
 * `timeoutMs`) is lost, not retried: spans are never worth slowing or piling up requests for,
 * and the next batch tries again.
 */
export class OtlpHttpExporter implements SpanExporter {
  private readonly agent: http.Agent;
  private readonly send: typeof http.request;
  private readonly sending = new Set<Promise<void>>();
  private lastSize = 64 * 1024;
  private stopped = false;

  constructor(
    private readonly url: URL,
    private readonly timeoutMs: number,
  ) {
    const secure = url.protocol === 'https:';
    this.agent = secure ? new https.Agent({ keepAlive: true, maxSockets: 2 }) : new http.Agent({ keepAlive: true, maxSockets: 2 });
    this.send = secure ? https.request : http.request;
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    if (this.stopped) return done({ code: ExportResultCode.FAILED, error: new Error('the span exporter is shut down') });
    let body: Buffer;
    try {
      body = encodeTraceExport(spans, this.lastSize);
    } catch (err) {
      return done({ code: ExportResultCode.FAILED, error: err instanceof Error ? err : new Error(String(err)) });
    }
    this.lastSize = body.length + 1024;
    const sent = this.post(body).then(
      () => done({ code: ExportResultCode.SUCCESS }),
      (error: Error) => done({ code: ExportResultCode.FAILED, error }),
    );
    this.sending.add(sent);
    void sent.finally(() => this.sending.delete(sent));
  }

  private post(body: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      const request = this.send(
        this.url,
        { method: 'POST', agent: this.agent, timeout: this.timeoutMs, headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length } },
        (response) => {
          response.resume();
          response.on('error', reject);
          response.on('end', () => {
            const status = response.statusCode ?? 0;
            if (status >= 200 && status < 300) resolve();
            else reject(new Error(`the trace store answered ${status}`));
          });
        },
      );
      request.on('timeout', () => request.destroy(new Error(`the trace store did not answer within ${this.timeoutMs} ms`)));
      request.on('error', reject);
      request.end(body);
    });
  }

  /** Waits for the batches already being sent. */
  async forceFlush(): Promise<void> {
    await Promise.allSettled([...this.sending]);
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    await this.forceFlush();
    this.agent.destroy();
  }
}
