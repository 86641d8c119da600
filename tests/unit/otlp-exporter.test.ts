import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { OtlpHttpExporter } from '@platform/service-kit/dist/tracing/otlp-exporter';
import { encodeTraceExport } from '@platform/service-kit/dist/tracing/otlp-protobuf';

const span: ReadableSpan = {
  name: 'GET /users/:id',
  kind: SpanKind.SERVER,
  spanContext: () => ({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 }),
  startTime: [1_764_684_000, 0],
  endTime: [1_764_684_000, 500_000],
  duration: [0, 500_000],
  ended: true,
  status: { code: SpanStatusCode.UNSET },
  attributes: { 'http.route': '/users/:id' },
  links: [],
  events: [],
  resource: { attributes: { 'service.name': 'users' } } as unknown as ReadableSpan['resource'],
  instrumentationScope: { name: '@platform/service-kit' },
  droppedAttributesCount: 0,
  droppedEventsCount: 0,
  droppedLinksCount: 0,
};

let server: Server;
let status = 200;
const received: { url?: string; headers: IncomingHttpHeaders; body: Buffer }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ url: req.url, headers: req.headers, body: Buffer.concat(chunks) });
      if (status > 0) res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const exporterFor = (timeoutMs = 2_000) => new OtlpHttpExporter(new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`), timeoutMs);
const exported = (exporter: OtlpHttpExporter): Promise<ExportResult> => new Promise((resolve) => exporter.export([span], resolve));

test('a batch is posted to the receiver as OTLP protobuf and succeeds on a 2xx', async () => {
  status = 200;
  received.length = 0;
  const exporter = exporterFor();
  expect((await exported(exporter)).code).toBe(ExportResultCode.SUCCESS);
  expect(received).toHaveLength(1);
  expect(received[0]).toMatchObject({ url: '/v1/traces', headers: { 'content-type': 'application/x-protobuf' } });
  expect(received[0]?.body.equals(encodeTraceExport([span]))).toBe(true);
  await exporter.shutdown();
});

test('a batch the receiver refuses or does not answer in time fails, and a shut-down exporter sends nothing more', async () => {
  status = 503;
  const refusing = exporterFor();
  expect(await exported(refusing)).toMatchObject({ code: ExportResultCode.FAILED, error: expect.objectContaining({ message: 'the trace store answered 503' }) });
  status = 0;
  const silent = exporterFor(200);
  expect(await exported(silent)).toMatchObject({ code: ExportResultCode.FAILED, error: expect.objectContaining({ message: 'the trace store did not answer within 200 ms' }) });
  await silent.shutdown();
  received.length = 0;
  expect((await exported(silent)).code).toBe(ExportResultCode.FAILED);
  expect(received).toHaveLength(0);
  await refusing.shutdown();
});
