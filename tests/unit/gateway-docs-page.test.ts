import { createLogger, createServiceMetrics } from '@platform/service-kit';
import { createHttpApp } from '@platform/service-kit/dist/http/app';
import { installSwaggerUi, prefersHtml, UI_ASSETS_PATH } from '@platform/gateway/dist/docs/swagger-ui';

test('a browser gets the page, while fetch, curl and programs asking for JSON keep getting the document', () => {
  expect(prefersHtml('text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8')).toBe(true);
  expect(prefersHtml('*/*')).toBe(false);
  expect(prefersHtml(undefined)).toBe(false);
  expect(prefersHtml('application/json')).toBe(false);
  expect(prefersHtml('application/json, text/html;q=0.5')).toBe(false);
  expect(prefersHtml('text/html;q=0, */*')).toBe(false);
  expect(prefersHtml('text/html;q=nonsense')).toBe(false);
});

async function appWithPage() {
  const logger = createLogger({ service: 'gateway', instanceId: 'g-1', node: 'n', level: 'error', toStdout: false });
  const app = createHttpApp({ logger, metrics: createServiceMetrics({ service: 'gateway', instance: 'g-1' }), health: { draining: false, checks: [] }, bodyLimit: 1024 });
  await app.after();
  const ui = installSwaggerUi(app, { documentPath: '/docs/openapi.json' });
  app.get('/docs', async (_request, reply) => ui.sendPage(reply));
  return app;
}

test('the page loads its scripts only from the gateway, under a policy that forbids inline and foreign scripts', async () => {
  const app = await appWithPage();
  const page = await app.inject({ url: '/docs' });
  expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(page.headers['content-security-policy']).toContain("script-src 'self';");
  const sources = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
  expect(sources.length).toBeGreaterThanOrEqual(3);
  expect(sources.every((s) => s?.startsWith(`${UI_ASSETS_PATH}/`))).toBe(true);
  expect(page.body).not.toMatch(/<script>[^<]/);

  const start = await app.inject({ url: `${UI_ASSETS_PATH}/start.js` });
  expect(start.body).toContain('"/docs/openapi.json"');
  expect(start.body).toContain('validatorUrl: null');
  const bundle = await app.inject({ url: `${UI_ASSETS_PATH}/swagger-ui-bundle.js` });
  expect(bundle.statusCode).toBe(200);
  expect(bundle.headers['content-type']).toBe('text/javascript; charset=utf-8');
  expect(bundle.body.length).toBeGreaterThan(100_000);
  await app.close();
});

test('only the listed files are served: any other name, encoded or not, is a 404 problem', async () => {
  const app = await appWithPage();
  for (const url of [`${UI_ASSETS_PATH}/package.json`, `${UI_ASSETS_PATH}/..%2Fpackage.json`, `${UI_ASSETS_PATH}/%2e%2e%2f%2e%2e%2fpackage.json`, `${UI_ASSETS_PATH}/index.html`, `${UI_ASSETS_PATH}/swagger-ui-bundle.js.map`]) {
    const res = await app.inject({ url });
    expect({ url, status: res.statusCode, type: res.headers['content-type'] }).toEqual({ url, status: 404, type: expect.stringMatching(/^application\/problem\+json/) });
  }
  await app.close();
});
