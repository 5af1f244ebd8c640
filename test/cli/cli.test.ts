// The CLI as a process on this host (loopback only; no root needed).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { lanSupport } from '../lan';
import { CLI_PATH, testPort, waitForAgreement, type CliNode } from './cli-node';
import { localCliSuite, waitUntilFile } from './local-cli';

const { dir, start: startLocal } = localCliSuite('mb-cli-');

function cli(args: string[]) {
  return spawnSync(process.execPath, [CLI_PATH, ...args], { encoding: 'utf8', timeout: 20_000 });
}

describe('multibully CLI', () => {
  it.each([
    [['--bogus']],
    [['--interface', 'lo', '--address', '239.1.2.3:9']],
    [['--interface', 'lo', '--address', '239.1.2.3:9', '--id', 'x']],
    [['--interface', 'lo', '--address', '10.0.0.1:9', '--id', '1']],
  ])('exits 2 with a usage message for %j', (args) => {
    const result = cli(args);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^multibully: /);
    expect(result.stdout).toBe('');
  });

  it('exits 2 at start for a --status-file in a directory that does not exist (not a warning, then silence)', () => {
    const path = join(dir, 'missing', 'status.json');
    const result = cli(['--interface', 'lo', '--address', `239.77.0.5:${testPort()}`, '--id', '1', '--status-file', path]);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(`multibully: --status-file ${path}: cannot write it: the directory ${join(dir, 'missing')} does not exist (ENOENT) (see multibully --help)\n`);
    expect(result.stdout).toBe('');
  });

  it('exits 2 at start for an IPv6 group on lo (Linux cannot route it there), with the reason and the fix', () => {
    const result = cli(['--interface', 'lo', '--address', '[ff02::77]:9999', '--id', '1']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^multibully: interface lo cannot carry the IPv6 group ff02::77: Linux carries no IPv6 multicast on the loopback interface \(sends fail with ENETUNREACH, and with a route added nothing comes back\)\. Use an IPv4 group on lo/);
    expect(result.stdout).toBe('');
  });

  it('exits 2 naming the existing NICs for an unknown interface', () => {
    const result = cli(['--interface', 'no-such-nic0', '--address', '239.1.2.3:9', '--id', '1']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/no-such-nic0/);
    expect(result.stderr).toMatch(/\blo\b/);
  });

  it('lists interfaces, as text and as JSON', () => {
    const json = cli(['interfaces', '--json']);
    expect(json.status).toBe(0);
    const nics = JSON.parse(json.stdout) as Array<{ name: string; index: number; flags: { loopback: boolean } }>;
    const lo = nics.find((nic) => nic.name === 'lo');
    expect(lo?.flags.loopback).toBe(true);
    const text = cli(['interfaces']);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain(`${lo!.index}: lo <`);
    expect(text.stdout).toContain('ipv4 127.0.0.1/8');
  });

  it.each([[['interfaces']], [['interfaces', '--json']], [['--help']]])('%j with a closed stdout (EPIPE) exits 0 without a stack trace', async (args) => {
    const child = spawn(process.execPath, [CLI_PATH, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    // Like `| head -1` after one line: the reader is gone before the CLI writes.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((done) => child.once('exit', (c, s) => done([c, s])));
    expect(stderr).toBe('');
    expect([code, signal]).toEqual([0, null]);
  });

  it('repeated SIGTERMs during shutdown still end with the stopped line and exit 0', async () => {
    const port = testPort();
    const node = startLocal(['--interface', 'lo', '--address', `239.77.0.5:${port}`, '--id', '4', '--heartbeat', '50'], 'signalled');
    await node.waitFor((e) => e.event === 'leader', 10_000, 'leadership');
    for (let i = 0; i < 3; i++) node.child.kill('SIGTERM');
    expect(await node.exited).toEqual({ code: 0, signal: null });
    expect(node.events.at(-1)).toMatchObject({ event: 'stopped', id: '4' });
    expect(node.events.filter((e) => e.event === 'stopped')).toHaveLength(1);
  });

  it('prints --help on stdout and exits 0', () => {
    const result = cli(['--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('--on-leader CMD');
  });

  it('two processes elect the higher id, run hooks with the state in the environment, and SIGTERM resigns cleanly', async () => {
    const port = testPort();
    const leaderFile = join(dir, 'leader.env');
    const followerFile = join(dir, 'follower.env');
    const base = ['--interface', 'lo', '--address', `239.77.0.5:${port}`, '--heartbeat', '50', '--cluster', `cli-${port}`];
    const hooks = ['--on-leader', `env | grep -E '^MULTIBULLY_(ID|TERM|STATE|LEADER_ID|LEADER_ADDRESS)=' | sort > ${leaderFile}`, '--on-follower', `env | grep -E '^MULTIBULLY_(ID|TERM|STATE|LEADER_ID|LEADER_ADDRESS)=' | sort > ${followerFile}`];
    const low = startLocal([...base, '--id', '1', ...hooks], 'low');
    const high = startLocal([...base, '--id', '2', ...hooks], 'high');
    await waitForAgreement([low, high], '2', 10_000);
    const term = String(high.lastTransition()!.term);
    await waitUntilFile(followerFile, (text) => text.includes('MULTIBULLY_LEADER_ID=2'));
    await waitUntilFile(leaderFile, (text) => text.includes('MULTIBULLY_ID=2'));
    expect(readFileSync(followerFile, 'utf8').trim().split('\n')).toEqual([
      'MULTIBULLY_ID=1', 'MULTIBULLY_LEADER_ADDRESS=127.0.0.1', 'MULTIBULLY_LEADER_ID=2', 'MULTIBULLY_STATE=follower', `MULTIBULLY_TERM=${term}`,
    ]);
    expect(readFileSync(leaderFile, 'utf8')).toContain('MULTIBULLY_STATE=leader');

    const signalledAt = performance.timeOrigin + performance.now();
    high.kill('SIGTERM');
    expect(await high.exited).toEqual({ code: 0, signal: null });
    // The CLI forces its exit at 900 ms; the slack absorbs a busy machine's scheduling.
    expect(performance.timeOrigin + performance.now() - signalledAt).toBeLessThan(1_500);
    expect(high.events.at(-1)).toMatchObject({ event: 'stopped', id: '2', leader: null });
    await waitForAgreement([low], '1', 5_000);
    for (const event of [...low.events, ...high.events]) {
      expect(Object.keys(event).sort()).toEqual(['event', 'id', 'leader', 'term', 'time']);
    }
  });

  it('a failing hook is logged and the participant keeps running', async () => {
    const port = testPort();
    const node = startLocal(['--interface', 'lo', '--address', `239.77.0.5:${port}`, '--id', '3', '--heartbeat', '50', '--on-leader', 'exit 7'], 'hooked');
    await node.waitFor((e) => e.event === 'leader', 10_000, 'leadership');
    const deadline = Date.now() + 5_000;
    while (!/on-leader hook exited with code 7/.test(node.stderr) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(node.stderr).toMatch(/on-leader hook exited with code 7/);
    node.kill('SIGINT');
    expect(await node.exited).toEqual({ code: 0, signal: null });
  });

  it('two instances with one id and address: repeated conflict lines name the other, warned once each by the participant', async () => {
    const port = testPort();
    const base = ['--interface', 'lo', '--address', `239.77.0.7:${port}`, '--heartbeat', '50', '--id', '4'];
    const twins = [startLocal(base, 'twin-a'), startLocal(base, 'twin-b')];
    const isConflict = (e: { event: string }) => e.event === 'conflict';
    // Conflicts repeat (rate-limited) while they last. The twin that follows hears the other's
    // heartbeats and keeps reporting; the leading twin hears its silent follower only while it
    // still speaks. Wait for a second line on either.
    const reports = (node: CliNode) => node.events.filter(isConflict).length;
    const deadline = Date.now() + 10_000;
    while (!twins.some((node) => reports(node) >= 2) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const first = twins.find((node) => reports(node) >= 2) ?? twins[0]!;
    for (const node of twins) node.kill('SIGTERM');
    for (const node of twins) expect(await node.exited).toEqual({ code: 0, signal: null });
    const lines = first.events.filter(isConflict) as unknown as Array<Record<string, unknown> & { other: { nonce: string } }>;
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) {
      expect(Object.keys(line).sort()).toEqual(['event', 'id', 'leader', 'other', 'term', 'time']);
      expect(line).toMatchObject({ id: '4', other: { id: '4', address: '127.0.0.1' } });
      expect(line.other.nonce).toMatch(/^\d+$/);
    }
    // The participant warns; the CLI adds no warning of its own (it used to print a second one).
    for (const node of twins) expect(node.stderr).not.toMatch(/another node also uses id/);
    const warns = first.stderr.split('\n').filter((l) => / WARN /.test(l) && l.includes(lines[0]!.other.nonce));
    expect(warns.length).toBeGreaterThanOrEqual(1);
    expect(warns.length).toBeLessThanOrEqual(lines.length);
  });

  it('--secret-file authenticates: a node with another secret is not followed', async () => {
    const port = testPort();
    const right = join(dir, 'right.key');
    const wrong = join(dir, 'wrong.key');
    writeFileSync(right, 'the-right-secret-0123456789\n');
    writeFileSync(wrong, 'the-wrong-secret-0123456789\n');
    const base = ['--interface', 'lo', '--address', `239.77.0.6:${port}`, '--heartbeat', '50'];
    const a = startLocal([...base, '--id', '1', '--secret-file', right], 'a');
    const b = startLocal([...base, '--id', '2', '--secret-file', right], 'b');
    const intruder = startLocal([...base, '--id', '9', '--secret-file', wrong], 'intruder');
    await waitForAgreement([a, b], '2', 10_000);
    await intruder.waitFor((e) => e.event === 'leader', 10_000, 'the intruder to lead alone');
    await new Promise((r) => setTimeout(r, 500));
    expect(a.leaderId).toBe('2');
    expect([...a.events, ...b.events].some((e) => e.leader?.id === '9')).toBe(false);
  });

  it('rejects --secret-file with --wire go, and an empty or missing secret file', () => {
    const empty = join(dir, 'empty.key');
    writeFileSync(empty, '\n');
    const base = ['--interface', 'lo', '--address', '239.77.0.6:9', '--id', '1'];
    const good = join(dir, 'good.key');
    writeFileSync(good, 'a-perfectly-good-secret-0123456789');
    const goSecret = cli([...base, '--wire', 'go', '--secret-file', good]);
    expect(goSecret.status).toBe(2);
    expect(goSecret.stderr).toMatch(/"secret" is not available with wire 'go'/);
    expect(cli([...base, '--secret-file', empty]).stderr).toMatch(/is empty/);
    expect(cli([...base, '--secret-file', join(dir, 'absent.key')]).stderr).toMatch(/ENOENT/);
  });

  it('two nodes with different secrets each warn 1 to 5 times about authentication in 4 s, naming the sender', async () => {
    const port = testPort();
    const one = join(dir, 'one.key');
    const two = join(dir, 'two.key');
    writeFileSync(one, 'the-first-secret-0123456789\n');
    writeFileSync(two, 'the-second-secret-0123456789\n');
    const base = ['--interface', 'lo', '--address', `239.77.0.8:${port}`, '--heartbeat', '50'];
    const nodes = [startLocal([...base, '--id', '1', '--secret-file', one], 'one'), startLocal([...base, '--id', '2', '--secret-file', two], 'two')];
    const started = Date.now();
    for (const node of nodes) await node.waitFor((e) => e.event === 'leader', 10_000, 'leadership (it hears no valid peer)');
    await new Promise((r) => setTimeout(r, Math.max(0, 4_000 - (Date.now() - started))));
    for (const node of nodes) {
      const warnings = node.stderr.split('\n').filter((line) => / WARN /.test(line) && /authentication/.test(line));
      expect(warnings.length, node.stderr).toBeGreaterThanOrEqual(1);
      expect(warnings.length, node.stderr).toBeLessThanOrEqual(5);
      // The sender's source address (127.0.0.1 on lo, unless lo carries another address).
      expect(warnings[0]).toMatch(/packets from \d+\.\d+\.\d+\.\d+ fail authentication \(bad-tag\)/);
    }
  });

  it('every usage error is one line on stderr ending in "(see multibully --help)", exit 2', () => {
    const base = ['--interface', 'lo', '--address', '239.77.0.6:9'];
    const cases: Array<[string[], RegExp]> = [
      [[...base, '--id', '1', '--secret-file', join(dir, 'absent.key')], /--secret-file: cannot read .*ENOENT/],
      [[...base, '--id', '-1'], /--id must not be negative/],
      [[...base, '--id', 'abc'], /--id must be an unsigned decimal integer/],
      [[...base, '--id', '1', '--bogus'], /Unknown option '--bogus'/],
      [['--interface', 'lo', '--address', '239.1.2.3:9'], /missing required option: --id/],
      [['--interface', 'lo', '--address', '224.0.0.0:9', '--id', '1'], /224\.0\.0\.0 is the reserved base address/],
      [['--interface', 'no-such-nic0', '--address', '239.1.2.3:9', '--id', '1'], /no-such-nic0/],
      [[...base, '--id', '1', '--vip', '10.0.0.1'], /--vip "10\.0\.0\.1": the prefix length is missing/],
    ];
    for (const [args, message] of cases) {
      const result = cli(args);
      expect(result.status, result.stderr).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^multibully: [^\n]* \(see multibully --help\)\n$/);
      expect(result.stderr).toMatch(message);
    }
  });

  it('--version prints the package version; --help shows the defaults', () => {
    const version = cli(['--version']);
    expect(version.status).toBe(0);
    expect(version.stdout).toBe(`${(JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as { version: string }).version}\n`);
    const help = cli(['--help']).stdout;
    expect(help).toMatch(/--heartbeat MS .*\(default 100; 250 with --wire go\)/);
    expect(help).toMatch(/--misses K .*\(default 3\)/);
    expect(help).toMatch(/--ttl N .*\(default 1\)/);
    expect(help).toMatch(/--hook-timeout MS .*\(default 30000\)/);
    expect(help).toMatch(/--log-level LEVEL .*\(default warn\)/);
    for (const flag of ['--vip ADDR/PREFIX', '--notify CMD', '--on-fault CMD', '--on-stop CMD', '--status-file PATH', '--version', 'SIGHUP', 'SIGUSR1']) expect(help).toContain(flag);
  });

  it('--vip without CAP_NET_ADMIN and CAP_NET_RAW fails at start with a clear one-line error', () => {
    // Root without those two capabilities: setpriv drops them from the bounding set before exec.
    const result = spawnSync('setpriv', ['--bounding-set', '-net_admin,-net_raw', '--inh-caps', '-all', process.execPath, CLI_PATH, '--interface', 'lo', '--address', '239.77.0.6:9', '--id', '1', '--vip', '10.77.9.9/32'], { encoding: 'utf8', timeout: 20_000 });
    if (result.error) return void console.log(`skipping: setpriv is not available (${result.error.message})`);
    expect(result.status, result.stderr).toBe(2);
    expect(result.stderr).toMatch(/^multibully: --vip needs CAP_NET_ADMIN .* this process lacks CAP_NET_ADMIN and CAP_NET_RAW.* \(see multibully --help\)\n$/);
    expect(result.stdout).toBe('');
  });

  it('SIGHUP resigns: a stopped line and exit 0 (it used to die with 129)', async () => {
    const port = testPort();
    const node = startLocal(['--interface', 'lo', '--address', `239.77.0.5:${port}`, '--id', '4', '--heartbeat', '50'], 'hup');
    await node.waitFor((e) => e.event === 'leader', 10_000, 'leadership');
    node.kill('SIGHUP');
    expect(await node.exited).toEqual({ code: 0, signal: null });
    expect(node.events.at(-1)).toMatchObject({ event: 'stopped', id: '4', leader: null });
  });

  it('SIGUSR1 prints one status line with state, leader, term, timers and counters, and keeps running', async () => {
    const port = testPort();
    const node = startLocal(['--interface', 'lo', '--address', `239.77.0.5:${port}`, '--id', '4', '--heartbeat', '50', '--misses', '4'], 'usr1');
    const leader = await node.waitFor((e) => e.event === 'leader', 10_000, 'leadership');
    await new Promise((r) => setTimeout(r, 300)); // a few heartbeats sent
    node.kill('SIGUSR1');
    const status = (await node.waitFor((e) => e.event === 'status', 5_000, 'a status line')) as unknown as Record<string, unknown> & { counters: { sent: number; dropped: Record<string, number> } };
    expect(status).toMatchObject({
      event: 'status', id: '4', term: leader.term, leader: { id: '4', address: '127.0.0.1' }, state: 'leader', since: leader.time,
      interface: { name: 'lo' }, group: `239.77.0.5:${port}`, timers: { heartbeatMs: 50, misses: 4 },
    });
    expect(status.counters.sent).toBeGreaterThan(2);
    expect(status.counters.dropped.own).toBeGreaterThan(0);
    expect(status.counters.dropped['bad-tag']).toBe(0);
    node.kill('SIGUSR1');
    await new Promise((r) => setTimeout(r, 300));
    expect(node.events.filter((e) => e.event === 'status')).toHaveLength(2);
    expect(node.stderr).not.toMatch(/Debugger listening/);
    node.kill('SIGTERM');
    expect(await node.exited).toEqual({ code: 0, signal: null });
  });

  it('--status-file follows transitions; SIGTERM prints stopped, then runs --on-stop and --notify stopped', async () => {
    const port = testPort();
    const statusPath = join(dir, `status-${port}.json`);
    const notified = join(dir, `notify-${port}.txt`);
    const stopFile = join(dir, `stop-${port}.txt`);
    const node = startLocal([
      '--interface', 'lo', '--address', `239.77.0.5:${port}`, '--id', '4', '--heartbeat', '50', '--status-file', statusPath,
      '--notify', `echo >> ${notified}`, '--on-stop', `echo "$MULTIBULLY_STATE $MULTIBULLY_REASON" > ${stopFile}`,
    ], 'status-file');
    await node.waitFor((e) => e.event === 'leader', 10_000, 'leadership');
    const deadline = Date.now() + 5_000;
    const readStatus = () => (existsSync(statusPath) ? (JSON.parse(readFileSync(statusPath, 'utf8')) as { state: string; event: string; term: string }) : undefined);
    while (readStatus()?.state !== 'leader' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(readStatus()).toMatchObject({ event: 'status', state: 'leader', term: node.lastTransition()!.term });
    await waitUntilFile(notified, (text) => text === 'leader\n');
    node.kill('SIGTERM');
    expect(await node.exited).toEqual({ code: 0, signal: null });
    expect(node.events.at(-1)).toMatchObject({ event: 'stopped' });
    expect(readStatus()).toMatchObject({ state: 'stopped' });
    expect(readFileSync(stopFile, 'utf8')).toBe('stopped SIGTERM\n');
    expect(readFileSync(notified, 'utf8')).toBe('leader\nstopped\n');
  });

  it('SIGTERM during a long hook: the hook and what it started are killed as a group after the grace period, with a log line', async () => {
    const port = testPort();
    const pidFile = join(dir, `hook-${port}.pid`);
    const node = startLocal(['--interface', 'lo', '--address', `239.77.0.5:${port}`, '--id', '4', '--heartbeat', '50', '--on-leader', `sleep 60 & echo $! > ${pidFile}; wait`], 'long-hook');
    await node.waitFor((e) => e.event === 'leader', 10_000, 'leadership');
    await waitUntilFile(pidFile, (text) => text.endsWith('\n'));
    const grandchild = Number(readFileSync(pidFile, 'utf8').trim());
    const signalledAt = Date.now();
    node.kill('SIGTERM');
    expect(await node.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalledAt).toBeLessThan(2_000);
    expect(node.events.at(-1)).toMatchObject({ event: 'stopped' });
    expect(node.stderr).toMatch(/WARN killing the on-leader hook and its process group with SIGTERM: still running 400 ms after the stop signal/);
    const gone = Date.now() + 3_000;
    while (processAlive(grandchild) && Date.now() < gone) await new Promise((r) => setTimeout(r, 20));
    expect(processAlive(grandchild)).toBe(false);
  });

  it('--wire go accepts 224.0.0.0 (the Go example\'s group) with a warning; v1 keeps rejecting it', async () => {
    const port = testPort();
    const v1 = cli(['--interface', 'lo', '--address', `224.0.0.0:${port}`, '--id', '1']);
    expect(v1.status).toBe(2);
    const node = startLocal(['--interface', 'lo', '--address', `224.0.0.0:${port}`, '--id', '3', '--wire', 'go'], 'go-224');
    await node.waitFor((e) => e.event === 'leader', 15_000, 'leadership on 224.0.0.0');
    expect(node.stderr).toMatch(/WARN 224\.0\.0\.0 is the reserved base address .*--wire go accepts it/);
    node.kill('SIGTERM');
    expect(await node.exited).toEqual({ code: 0, signal: null });
  });

  it('demo runs three participants on lo, shows a handover and exits 0', () => {
    const result = cli(['demo']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/node 3: LEADER/);
    expect(result.stdout).toMatch(/Handover: node 2 leads/);
  });
});

const support = lanSupport();
describe.skipIf(!support.ok)('multibully CLI in a private network namespace', () => {
  it('exits 2 with a usage message for a NIC without an address of the group family', () => {
    // `unshare -n`: a fresh namespace (gone with the process) whose lo has no address at all.
    const result = spawnSync('unshare', ['-n', process.execPath, CLI_PATH, '--interface', 'lo', '--address', '239.77.0.5:9', '--id', '1'], { encoding: 'utf8', timeout: 20_000 });
    expect(result.stderr).toMatch(/^multibully: interface lo \(1\) has no IPv4 address/);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
  });
});

/** Whether a process runs (a zombie not yet reaped by its new parent does not count). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

