// `--metrics [HOST:]PORT`: GET /metrics answers with the participant's metrics in the Prometheus
// text format (lib/metrics), over node:http. A port alone binds the loopback address only:
// metrics describe the cluster, and exposing them on every interface must be asked for
// (0.0.0.0:PORT). A bad address, or one that cannot be bound (in use, not on this host), stops
// the CLI at start with a usage error (exit 2), before the election is joined.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { parseAddress } from '../address';
import { PROMETHEUS_CONTENT_TYPE } from '../metrics';
import type { Logger } from '../participant/logger';
import { UsageError } from './usage';

export interface MetricsAddress {
  readonly host: string;
  readonly port: number;
}

const FORMS = 'PORT or HOST:PORT with HOST an IP address (9464, 127.0.0.1:9464, [::1]:9464, 0.0.0.0:9464)';

/** Parses the --metrics value; throws a UsageError that names the flag. */
export function parseMetricsAddress(text: string): MetricsAddress {
  const match = /^(?:(?:\[([^\]]*)\]|([^:[\]]*)):)?([0-9]+)$/.exec(text);
  if (!match) throw new UsageError(`--metrics must be ${FORMS}, got ${JSON.stringify(text)}`);
  const [, bracketed, plain, portText] = match;
  const port = Number(portText);
  if (!Number.isSafeInteger(port) || port < 1 || port > 65535) throw new UsageError(`--metrics: the port must be 1 to 65535, got ${portText}`);
  const hostText = bracketed ?? plain;
  if (hostText === undefined) return { host: '127.0.0.1', port };
  const host = parseAddress(hostText);
  const family = bracketed === undefined ? 4 : 6;
  if (host === undefined || host.family !== family) throw new UsageError(`--metrics must be ${FORMS}, got ${JSON.stringify(text)}`);
  return { host: host.text, port };
}

export function metricsUrl({ host, port }: MetricsAddress): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}/metrics`;
}

/** Listens on `address`; resolves once bound, rejects with a UsageError saying why it cannot be. */
export function serveMetrics(address: MetricsAddress, render: () => string, logger: Logger): Promise<Server> {
  const server = createServer((request, response) => answer(request, response, render, logger));
  // A scraper that stalls must not hold a socket for long.
  server.headersTimeout = 5_000;
  server.requestTimeout = 10_000;
  server.maxConnections = 64;
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(new UsageError(`--metrics ${metricsUrl(address)}: cannot listen: ${whyNotBound(error)}`)));
    server.listen({ host: address.host, port: address.port, exclusive: true }, () => {
      server.removeAllListeners('error');
      server.on('error', (error) => logger.error({ err: error }, 'metrics server error'));
      logger.info({ url: metricsUrl(address) }, 'serving metrics');
      resolve(server);
    });
  });
}

function answer(request: IncomingMessage, response: ServerResponse, render: () => string, logger: Logger): void {
  const path = (request.url ?? '/').split('?', 1)[0];
  if (path !== '/metrics') return reply(response, 404, 'not found: the metrics are at /metrics\n');
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('Allow', 'GET, HEAD');
    return reply(response, 405, 'method not allowed: GET or HEAD\n');
  }
  let body: string;
  try {
    body = render();
  } catch (error) {
    logger.error({ err: error }, 'cannot render the metrics');
    return reply(response, 500, 'cannot render the metrics\n');
  }
  response.writeHead(200, { 'Content-Type': PROMETHEUS_CONTENT_TYPE, 'Content-Length': Buffer.byteLength(body) });
  response.end(request.method === 'HEAD' ? undefined : body);
}

function reply(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}

function whyNotBound(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'EADDRINUSE':
      return 'the address is in use, another process listens there (EADDRINUSE)';
    case 'EADDRNOTAVAIL':
      return 'the address is not one of this host (EADDRNOTAVAIL)';
    case 'EACCES':
      return 'no permission to listen there, a port below 1024 needs privileges (EACCES)';
    default:
      return error.code ?? error.message;
  }
}
