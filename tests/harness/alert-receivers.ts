import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { freePort } from '@platform/process-runner';

/**
 * Stand-ins for the places Alertmanager notifies people, on loopback: a Slack incoming webhook that
 * checks each payload's shape as Slack does, and an SMTP server that takes every message.
 */
export interface SlackMessage {
  payload: Record<string, unknown>;
  /** Why Slack would refuse it (empty: accepted). */
  problems: string[];
}

const TOP_LEVEL = new Set(['channel', 'username', 'icon_emoji', 'icon_url', 'link_names', 'text', 'attachments', 'blocks', 'thread_ts', 'mrkdwn']);
const ATTACHMENT = new Set(['fallback', 'color', 'pretext', 'author_name', 'author_link', 'author_icon', 'title', 'title_link', 'text', 'fields', 'image_url', 'thumb_url', 'footer', 'footer_icon', 'ts', 'mrkdwn_in', 'callback_id', 'actions', 'blocks']);
const COLOR = /^(good|warning|danger|#[0-9a-fA-F]{6})$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What Slack's incoming webhooks check: known fields, something to show, attachments and blocks of the right types. */
export function slackPayloadProblems(payload: unknown): string[] {
  if (!isObject(payload)) return ['the payload is not a JSON object'];
  const problems = Object.keys(payload).filter((k) => !TOP_LEVEL.has(k)).map((k) => `unknown field ${k}`);
  const { text, attachments, blocks } = payload;
  if (text !== undefined && typeof text !== 'string') problems.push('text is not a string');
  if (blocks !== undefined && !(Array.isArray(blocks) && blocks.every((b) => isObject(b) && typeof b.type === 'string'))) problems.push('blocks is not a list of blocks with a type');
  if (attachments !== undefined && !Array.isArray(attachments)) problems.push('attachments is not a list');
  const list = Array.isArray(attachments) ? attachments : [];
  if (!(typeof text === 'string' && text !== '') && list.length === 0 && !(Array.isArray(blocks) && blocks.length > 0)) problems.push('no text, attachments or blocks (Slack answers no_text)');
  for (const [i, a] of list.entries()) {
    if (!isObject(a)) {
      problems.push(`attachment ${i} is not an object`);
      continue;
    }
    problems.push(...Object.keys(a).filter((k) => !ATTACHMENT.has(k)).map((k) => `attachment ${i}: unknown field ${k}`));
    for (const k of ['fallback', 'title', 'title_link', 'text', 'pretext', 'footer'] as const) if (a[k] !== undefined && typeof a[k] !== 'string') problems.push(`attachment ${i}: ${k} is not a string`);
    if (a.color !== undefined && !(typeof a.color === 'string' && COLOR.test(a.color))) problems.push(`attachment ${i}: color ${JSON.stringify(a.color)} is not good, warning, danger or #rrggbb`);
    if (a.mrkdwn_in !== undefined && !(Array.isArray(a.mrkdwn_in) && a.mrkdwn_in.every((m) => typeof m === 'string'))) problems.push(`attachment ${i}: mrkdwn_in is not a list of field names`);
    if (!['text', 'fallback', 'title'].some((k) => typeof a[k] === 'string' && a[k] !== '')) problems.push(`attachment ${i} shows nothing`);
  }
  return problems;
}

export interface TestSlack {
  /** The incoming-webhook URL to put in the 0600 file. */
  url: string;
  messages: SlackMessage[];
  stop(): Promise<void>;
}

/** Answers `ok` to a payload Slack would take and 400 `invalid_payload` (as Slack does) to any other. */
export async function startTestSlack(): Promise<TestSlack> {
  const messages: SlackMessage[] = [];
  const server: Server = createHttpServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      let payload: unknown;
      try {
        payload = JSON.parse(body);
      } catch {
        payload = body;
      }
      const problems = req.method === 'POST' && req.headers['content-type']?.startsWith('application/json') ? slackPayloadProblems(payload) : ['not a POST of application/json'];
      messages.push({ payload: isObject(payload) ? payload : {}, problems });
      res.writeHead(problems.length === 0 ? 200 : 400, { 'content-type': 'text/plain' }).end(problems.length === 0 ? 'ok' : 'invalid_payload');
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${port}/services/T0TEST/B0TEST/test-secret-part`, messages, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}

export interface TestSmtp {
  /** host:port for ALERT_SMTP_SMARTHOST. */
  smarthost: string;
  /** Each message's envelope and DATA as received. */
  mails: { from: string; to: string[]; data: string }[];
  stop(): Promise<void>;
}

const REPLIES: Record<string, string> = { EHLO: '250-test-smtp\r\n250 8BITMIME\r\n', HELO: '250 test-smtp\r\n', DATA: '354 go on\r\n' };

/** Just enough SMTP for one client at a time, no TLS, no auth: greeting, EHLO, MAIL, RCPT, DATA, QUIT. */
export async function startTestSmtp(): Promise<TestSmtp> {
  const mails: TestSmtp['mails'] = [];
  const server: TcpServer = createTcpServer((socket) => {
    let buffer = '';
    let mail = { from: '', to: [] as string[], data: '' };
    let inData = false;
    socket.write('220 test-smtp ESMTP\r\n');
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      for (let end = buffer.indexOf('\r\n'); end >= 0; end = buffer.indexOf('\r\n')) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            mails.push(mail);
            mail = { from: '', to: [], data: '' };
            socket.write('250 queued\r\n');
          } else mail.data += `${line.startsWith('..') ? line.slice(1) : line}\n`;
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'MAIL') mail.from = line.slice('MAIL FROM:'.length);
        if (verb === 'RCPT') mail.to.push(line.slice('RCPT TO:'.length));
        if (verb === 'DATA') inData = true;
        if (verb === 'QUIT') socket.end('221 bye\r\n');
        else socket.write(REPLIES[verb] ?? '250 ok\r\n');
      }
    });
    socket.on('error', () => socket.destroy());
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { smarthost: `127.0.0.1:${port}`, mails, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}
