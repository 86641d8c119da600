import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { NotFoundError } from '@platform/service-kit';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** Where the page's own files are served, under the gateway's reserved /docs prefix. */
export const UI_ASSETS_PATH = '/docs/ui';

/**
 * The files of swagger-ui-dist (pinned in package.json) the page needs, by the name it asks for
 * them. A fixed list, read once at start: no request path ever reaches the file system.
 */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

/**
 * Scripts only from the gateway itself (the start-up script is a file too, not inline); Swagger UI
 * sets style attributes, hence inline styles; the document is fetched from the same origin.
 */
const CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Platform API</title>
<link rel="stylesheet" href="${UI_ASSETS_PATH}/swagger-ui.css">
<link rel="icon" type="image/png" href="${UI_ASSETS_PATH}/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${UI_ASSETS_PATH}/swagger-ui-bundle.js"></script>
<script src="${UI_ASSETS_PATH}/start.js"></script>
</body>
</html>
`;

/** validatorUrl null: Swagger UI would otherwise send the document to swagger.io to validate it. */
const startScript = (documentPath: string): string => `window.ui = SwaggerUIBundle({
  url: ${JSON.stringify(documentPath)},
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
});
`;

/**
 * Whether the caller asked for a page rather than the document: `text/html` listed with a higher
 * weight than `application/json` (a browser), where `*\/*` alone (fetch, curl) keeps the JSON.
 */
export function prefersHtml(accept: string | undefined): boolean {
  let html = 0;
  let json = 0;
  for (const part of (accept ?? '').split(',')) {
    const [type = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const q = Number(params.find((p) => p.startsWith('q='))?.slice(2) ?? '1');
    const weight = Number.isFinite(q) ? q : 0;
    if (type === 'text/html') html = Math.max(html, weight);
    if (type === 'application/json') json = Math.max(json, weight);
  }
  return html > 0 && html > json;
}

/** The assets, read from the installed package; a missing one stops the gateway's start, naming it. */
function loadAssets(): Map<string, { body: Buffer; type: string }> {
  const folder = dirname(require.resolve('swagger-ui-dist/package.json'));
  return new Map(Object.entries(ASSETS).map(([name, type]) => [name, { body: readFileSync(join(folder, name)), type }]));
}

/** Serves the Swagger UI page's files; `sendPage` answers a /docs request with the page itself. */
export function installSwaggerUi(scope: FastifyInstance, options: { documentPath: string }): { sendPage: (reply: FastifyReply) => FastifyReply } {
  const assets = loadAssets();
  assets.set('start.js', { body: Buffer.from(startScript(options.documentPath)), type: 'text/javascript; charset=utf-8' });

  scope.get<{ Params: { asset: string } }>(`${UI_ASSETS_PATH}/:asset`, async (request, reply) => {
    const asset = assets.get(request.params.asset);
    if (!asset) throw new NotFoundError(`No file ${request.params.asset} in the API documentation page`);
    // The files change only with the pinned package version, which restarts the gateway.
    return reply.header('content-type', asset.type).header('cache-control', 'public, max-age=3600').header('x-content-type-options', 'nosniff').send(asset.body);
  });

  return {
    sendPage: (reply) =>
      reply
        .header('content-type', 'text/html; charset=utf-8')
        .header('content-security-policy', CONTENT_SECURITY_POLICY)
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'no-cache')
        .send(PAGE),
  };
}
