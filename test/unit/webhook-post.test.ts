import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { post } from '../../src/webhooks/deliver';

const HEADERS = { 'webhook-id': 'evt_1', 'webhook-timestamp': '1', 'webhook-signature': 'v1,x' };

/** A loopback server answering by path; it counts what reached it. */
async function server() {
  const seen: string[] = [];
  const closed: string[] = [];
  const s = http.createServer((req, res) => {
    seen.push(req.url ?? '');
    req.socket.once('close', () => closed.push(req.url ?? ''));
    if (req.url === '/ok') return void res.writeHead(204).end();
    if (req.url === '/fail') return void res.writeHead(503).end();
    if (req.url === '/redirect') return void res.writeHead(302, { location: '/ok' }).end();
    if (req.url === '/half') return void res.writeHead(200).write('never ends'); // status, then no end
    // /silent: nothing at all
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  const { port } = s.address() as AddressInfo;
  return {
    port,
    seen,
    closed,
    close: () => new Promise<void>((resolve) => (s.closeAllConnections(), s.close(() => resolve()))),
  };
}

describe('a delivery attempt’s POST', () => {
  let receiver: Awaited<ReturnType<typeof server>>;
  beforeAll(async () => {
    receiver = await server();
  });
  afterAll(() => receiver.close());
  const open = { allowPrivate: true };
  const at = (path: string, host = '127.0.0.1') => new URL(`http://${host}:${receiver.port}${path}`);

  it('counts only a 2xx as delivered; a redirect is not followed', async () => {
    await expect(post(at('/ok'), '{}', HEADERS, 2000, open)).resolves.toEqual({
      outcome: 'delivered',
      statusCode: 204,
      error: null,
    });
    await expect(post(at('/fail'), '{}', HEADERS, 2000, open)).resolves.toEqual({
      outcome: 'http_error',
      statusCode: 503,
      error: 'the endpoint answered 503',
    });
    expect(await post(at('/redirect'), '{}', HEADERS, 2000, open)).toMatchObject({
      outcome: 'http_error',
      statusCode: 302,
    });
  });

  it('gives up on a receiver that never answers after the attempt’s timeout', async () => {
    const started = Date.now();
    await expect(post(at('/silent'), '{}', HEADERS, 300, open)).resolves.toEqual({
      outcome: 'timeout',
      statusCode: null,
      error: 'no answer within 300 ms',
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('reports a refused connection as a network error', async () => {
    const closed = await server();
    await closed.close();
    const url = new URL(`http://127.0.0.1:${closed.port}/ok`);
    expect(await post(url, '{}', HEADERS, 2000, open)).toMatchObject({
      outcome: 'network_error',
      error: expect.stringMatching(/^ECONNREFUSED/),
    });
  });

  it('refuses a loopback address in production, by literal and by name, before anything is sent', async () => {
    const before = receiver.seen.length;
    const strict = { allowPrivate: false };
    await expect(post(at('/ok'), '{}', HEADERS, 2000, strict)).resolves.toEqual({
      outcome: 'refused',
      statusCode: null,
      error: 'refused: 127.0.0.1 is a loopback address',
    });
    expect(await post(at('/ok', 'localhost'), '{}', HEADERS, 2000, strict)).toMatchObject({
      outcome: 'refused',
      error: expect.stringMatching(/^refused: .* is a loopback address$/),
    });
    // An IPv6 literal that embeds the loopback address (IPv4-compatible, ::/96; the URL writes it ::7f00:1).
    expect(await post(at('/ok', '[::127.0.0.1]'), '{}', HEADERS, 2000, strict)).toMatchObject({
      outcome: 'refused',
      error:
        'refused: ::7f00:1 is an IPv4-compatible address (::/96, deprecated), embedding 127.0.0.1, a loopback address',
    });
    expect(receiver.seen.length).toBe(before);
  });

  it('closes a connection whose body never ends, once the timeout has passed', async () => {
    // A timeout a loaded CI machine answers within (at 300 ms a busy run once saw no status line in time).
    expect(await post(at('/half'), '{}', HEADERS, 1000, open)).toMatchObject({
      outcome: 'delivered',
      statusCode: 200,
    });
    expect(receiver.closed).not.toContain('/half');
    await new Promise((r) => setTimeout(r, 2500));
    expect(receiver.closed).toContain('/half');
  });
});
