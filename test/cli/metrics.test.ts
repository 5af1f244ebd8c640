// `--metrics`: the CLI serves GET /metrics (Prometheus text) on 127.0.0.1 only when given a port
// alone, and refuses a bad, busy or foreign address at start (exit 2). Processes on lo; every
// request goes to 127.0.0.1.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { describe, expect, it } from 'vitest';
import { CLI_PATH, testPort, waitForAgreement } from './cli-node';
import { localCliSuite } from './local-cli';

const { start } = localCliSuite('mb-metrics-');

const base = (port: number) => ['--interface', 'lo', '--address', `239.77.0.5:${port}`, '--heartbeat', '50', '--cluster', `metrics-${port}`];

/** The /metrics endpoint answers once the CLI has started it (it does so before joining). */
async function scrape(url: string, init?: RequestInit): Promise<Response> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return await fetch(url, init);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** The local address a TCP socket of this host listens on at `port`, from /proc/net/tcp{,6}. */
function listeners(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const found: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state === '0A' && local?.endsWith(`:${hexPort}`)) found.push(local.split(':')[0]!);
    }
  }
  return found;
}

function metricsPort(): number {
  return 20_000 + Math.floor(Math.random() * 40_000);
}

describe('multibully --metrics', () => {
  it('serves the metrics of each node at /metrics, bound to 127.0.0.1 when given a port alone', async () => {
    const port = testPort();
    const [lowPort, highPort] = [metricsPort(), metricsPort()];
    const low = start([...base(port), '--id', '1', '--metrics', String(lowPort)], 'low');
    const high = start([...base(port), '--id', '2', '--metrics', `127.0.0.1:${highPort}`], 'high');
    await waitForAgreement([low, high], '2', 10_000);
    const response = await scrape(`http://127.0.0.1:${highPort}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await response.text();
    expect(text).toMatch(new RegExp(`^multibully_is_leader\\{id="2",interface="lo",group="239\\.77\\.0\\.5:${port}"\\} 1$`, 'm'));
    const lowText = await (await scrape(`http://127.0.0.1:${lowPort}/metrics`)).text();
    expect(lowText).toMatch(/^multibully_is_leader\{id="1",[^}]*\} 0$/m);
    expect(lowText).toMatch(/^multibully_state\{id="1",[^}]*,state="follower"\} 1$/m);
    // 0100007F is 127.0.0.1: loopback only, not every interface.
    expect(listeners(lowPort)).toEqual(['0100007F']);
  });

  it('answers HEAD, 404 off /metrics and 405 for other methods', async () => {
    const port = testPort();
    const http = metricsPort();
    start([...base(port), '--id', '3', '--metrics', String(http)], 'methods');
    const head = await scrape(`http://127.0.0.1:${http}/metrics`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBeGreaterThan(100);
    expect(await head.text()).toBe('');
    expect((await scrape(`http://127.0.0.1:${http}/`)).status).toBe(404);
    const post = await scrape(`http://127.0.0.1:${http}/metrics`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('refuses a busy address and one that is not on this host at start, with exit 2 and the reason', async () => {
    const busy: Server = createServer();
    const http = metricsPort();
    await new Promise<void>((done) => busy.listen(http, '127.0.0.1', done));
    try {
      const cli = (value: string) => spawnSync(process.execPath, [CLI_PATH, ...base(testPort()), '--id', '1', '--metrics', value], { encoding: 'utf8', timeout: 20_000 });
      const inUse = cli(String(http));
      expect(inUse.status).toBe(2);
      expect(inUse.stderr).toBe(`multibully: --metrics http://127.0.0.1:${http}/metrics: cannot listen: the address is in use, another process listens there (EADDRINUSE) (see multibully --help)\n`);
      expect(inUse.stdout).toBe('');
      // 192.0.2.1 (TEST-NET-1) is no address of this host: binding fails, nothing is sent.
      const foreign = cli(`192.0.2.1:${http}`);
      expect(foreign.status).toBe(2);
      expect(foreign.stderr).toMatch(/cannot listen: the address is not one of this host \(EADDRNOTAVAIL\)/);
      const bad = cli('nine');
      expect(bad.status).toBe(2);
      expect(bad.stderr).toMatch(/^multibully: --metrics must be PORT or HOST:PORT/);
    } finally {
      await new Promise((done) => busy.close(done));
    }
  });
});
