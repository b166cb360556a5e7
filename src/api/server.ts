import http from 'node:http';
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type express from 'express';

/**
 * The API's HTTP server: Express on Node's server, with Node's own answers replaced. A request Node cannot
 * parse (headers over the limit, malformed HTTP, a request not received in time) is answered by Node itself,
 * before Express sees it, with a bare status line: here it is application/problem+json like every other error.
 * Every way the API runs (`npm run api`, `npm start`, the tests' system) creates its server here.
 */
export function createApiServer(app: express.Express): Server {
  const server = http.createServer(app);
  server.on('clientError', answerClientError);
  // An idle connection is closed by the client (Node's agent after 5 s) or a load balancer (often 60 s) first,
  // never by this server as a request arrives on it, which the client would see as ECONNRESET.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return server;
}

/** The header limit in force: Node's (16 KB unless `--max-http-header-size` says otherwise). */
const HEADER_LIMIT_KB = Math.floor(http.maxHeaderSize / 1024);

interface ClientProblem {
  status: number;
  title: string;
  detail: string;
}

/** What Node refuses before Express, by its error code (Node's own handler answers the same statuses). */
const CLIENT_PROBLEMS: Record<string, ClientProblem> = {
  HPE_HEADER_OVERFLOW: {
    status: 431,
    title: 'Request Header Fields Too Large',
    detail:
      `The request's headers are over ${HEADER_LIMIT_KB} KB in all (cookies included); send fewer or smaller ` +
      "headers, or clear this site's cookies in the browser.",
  },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: {
    status: 413,
    title: 'Payload Too Large',
    detail: 'The chunk extensions of the request body are too large; send the body without them.',
  },
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    title: 'Request Timeout',
    detail: 'The request was not received in time; send it again.',
  },
};

const MALFORMED: ClientProblem = {
  status: 400,
  title: 'Bad Request',
  detail: 'The request is not valid HTTP/1.1; check how the client writes it.',
};

/** The raw HTTP/1.1 answer: there is no response object yet, only the socket. */
export function clientErrorResponse(code: string | undefined): string {
  const { status, title, detail } = (code && CLIENT_PROBLEMS[code]) || MALFORMED;
  const body = JSON.stringify({ type: 'about:blank', status, title, detail });
  return (
    `HTTP/1.1 ${status} ${title}\r\n` +
    'Content-Type: application/problem+json\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    'Connection: close\r\n\r\n' +
    body
  );
}

/**
 * As Node's own handler does: nothing is written to a socket that is closed or reset, nor over an answer whose
 * headers are already sent (a pipelined request after one being answered); the connection is closed either way.
 */
function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  const inFlight = (socket as Duplex & { _httpMessage?: http.ServerResponse | null })._httpMessage;
  if (err.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  socket.end(clientErrorResponse(err.code), () => socket.destroy());
}
