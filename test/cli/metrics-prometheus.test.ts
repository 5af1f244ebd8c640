// The real thing: `promtool check metrics` accepts what `multibully --metrics` serves, and a
// Prometheus server (Debian's package, started here on 127.0.0.1 with its own config and storage,
// scraping 127.0.0.1 only) scrapes two CLIs, and its query API says which one leads. Skipped with
// one line without promtool/prometheus; an error under REQUIRE_NETNS_TESTS=1 (CI installs them).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { describeWithPrometheus, promtoolCheck } from '../metrics/prometheus-tools';
import { testPort, waitForAgreement } from './cli-node';
import { localCliSuite } from './local-cli';

const { dir, start } = localCliSuite('mb-prometheus-');
const servers: ChildProcess[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    if (server.exitCode !== null || server.signalCode !== null) continue;
    const exited = new Promise((done) => server.once('exit', done));
    server.kill('SIGTERM');
    await exited;
  }
});

const freePort = (): number => 20_000 + Math.floor(Math.random() * 40_000);

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

/** Polls until `check` resolves with a value (not undefined), or fails after timeoutMs with the last state. */
async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>, state: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no ${what} within ${timeoutMs} ms (${String(last ?? 'no error')}); ${state()}`);
}

interface QueryResult {
  data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
}

describeWithPrometheus('multibully --metrics under promtool and a real Prometheus server', ({ promtool, prometheus }) => {
  it('promtool check metrics passes on the served text, and Prometheus scrapes both nodes and finds the leader', async () => {
    const port = testPort();
    const [lowHttp, highHttp, promHttp] = [freePort(), freePort(), freePort()];
    const base = ['--interface', 'lo', '--address', `239.77.0.5:${port}`, '--heartbeat', '50', '--cluster', `prom-${port}`];
    const low = start([...base, '--id', '1', '--metrics', `127.0.0.1:${lowHttp}`], 'low');
    const high = start([...base, '--id', '2', '--metrics', `127.0.0.1:${highHttp}`], 'high');
    await waitForAgreement([low, high], '2', 10_000);

    for (const http of [lowHttp, highHttp]) {
      const text = await (await fetch(`http://127.0.0.1:${http}/metrics`)).text();
      expect(text).toContain('# TYPE multibully_is_leader gauge');
      expect(promtoolCheck(promtool, text)).toEqual({ status: 0, output: '' });
    }

    const home = join(dir, `prometheus-${promHttp}`);
    mkdirSync(home);
    const config = join(home, 'prometheus.yml');
    writeFileSync(config, [
      'global:',
      '  scrape_interval: 1s',
      '  scrape_timeout: 1s',
      'scrape_configs:',
      '  - job_name: multibully',
      '    static_configs:',
      `      - targets: ['127.0.0.1:${lowHttp}', '127.0.0.1:${highHttp}']`,
      '',
    ].join('\n'));
    let log = '';
    const server = spawn(prometheus, [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(home, 'data')}`,
      `--web.listen-address=127.0.0.1:${promHttp}`,
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    servers.push(server);
    for (const stream of [server.stdout!, server.stderr!]) stream.setEncoding('utf8').on('data', (chunk: string) => (log = (log + chunk).slice(-4_000)));
    const api = `http://127.0.0.1:${promHttp}`;
    const state = () => `prometheus exit ${server.exitCode ?? server.signalCode ?? 'none'}; log: ${log}`;
    await until('ready Prometheus', 30_000, async () => ((await fetch(`${api}/-/ready`)).ok ? true : undefined), state);

    const query = `${api}/api/v1/query?query=${encodeURIComponent('multibully_is_leader')}`;
    const series = await until('multibully_is_leader of both nodes', 30_000, async () => {
      const result = (await getJson<QueryResult>(query)).data.result;
      return result.length === 2 ? result : undefined;
    }, state);
    const byId = Object.fromEntries(series.map((s) => [s.metric.id, s]));
    expect(byId['2']!.value[1]).toBe('1');
    expect(byId['1']!.value[1]).toBe('0');
    expect(byId['2']!.metric).toMatchObject({ __name__: 'multibully_is_leader', job: 'multibully', instance: `127.0.0.1:${highHttp}`, interface: 'lo', group: `239.77.0.5:${port}` });
    // The scrape itself was healthy for both targets.
    const up = (await getJson<QueryResult>(`${api}/api/v1/query?query=up`)).data.result;
    expect(up.map((s) => s.value[1])).toEqual(['1', '1']);
  });
});
