import { describe, expect, it } from 'vitest';
import { parseCliArgs } from '../../lib/cli/args';
import { UsageError } from '../../lib/cli/usage';

const REQUIRED = ['--interface', 'eth0', '--address', '239.1.2.3:9999', '--id', '7'];

describe('CLI argument parsing', () => {
  it('parses the required flags with defaults', () => {
    const args = parseCliArgs(REQUIRED);
    expect(args).toMatchObject({ command: 'run', interface: 'eth0', address: '239.1.2.3:9999', id: 7n, wire: 'v1', preempt: true, logLevel: 'warn', hookTimeoutMs: 30_000 });
  });

  it('parses --peer (repeatable) and --peers-file, one or the other', () => {
    const args = parseCliArgs(['-i', 'eth0', '-a', '9999', '--id', '1', '--peer', '10.0.1.5', '--peer', '[fd00::7]:9998']);
    expect(args).toMatchObject({ command: 'run', address: '9999', peers: ['10.0.1.5', '[fd00::7]:9998'] });
    expect(parseCliArgs(['-i', 'eth0', '-a', '9999', '--id', '1', '--peers-file', '/etc/mb/peers'])).toMatchObject({ peers: [], peersFile: '/etc/mb/peers' });
    expect(() => parseCliArgs(['-i', 'eth0', '-a', '9999', '--id', '1', '--peer', '10.0.1.5', '--peers-file', '/p'])).toThrow('give the peers with --peer or with --peers-file, not both');
    expect(() => parseCliArgs(['-i', 'eth0', '-a', '9999', '--id', '1', '--peers-file', '/p', '--peers-file', '/q'])).toThrow(/--peers-file is given more than once/);
  });

  it('parses every optional flag', () => {
    const args = parseCliArgs([
      ...REQUIRED, '--cluster', 'blue', '--heartbeat', '50', '--misses', '4', '--secret-file', '/tmp/s', '--wire', 'go',
      '--no-preempt', '--metadata', 'hello', '--ttl', '2', '--on-leader', 'echo L', '--on-follower', 'echo F',
      '--hook-timeout', '500', '--log-level', 'debug', '--on-fault', 'echo X', '--on-stop', 'echo S', '--notify', '/bin/n',
      '--vip', '10.0.0.100/24', '--vip', '2001:db8::10/64', '--status-file', '/run/mb.json', '--no-parent-watch', '--no-probe',
      '--priority', '150', '--preempt-delay', '2000', '--priority-file', '/run/prio',
      '--check', 'pidof haproxy', '--check-name', 'haproxy', '--check-interval', '2000', '--check-fall', '2', '--check-weight', '-50',
      '--check', 'test -f /run/ok', '--check-rise', '3', '--check-timeout', '500', '--check-init-fail',
    ]);
    expect(args).toEqual({
      command: 'run', interface: 'eth0', address: '239.1.2.3:9999', peers: [], id: 7n, cluster: 'blue', heartbeatMs: 50, misses: 4,
      secretFile: '/tmp/s', wire: 'go', preempt: false, probeLeader: false, metadata: 'hello', ttl: 2, onLeader: 'echo L', onFollower: 'echo F',
      onFault: 'echo X', onStop: 'echo S', notify: '/bin/n', hookTimeoutMs: 500, logLevel: 'debug',
      vips: [{ address: '10.0.0.100', prefixLength: 24, family: 4 }, { address: '2001:db8::10', prefixLength: 64, family: 6 }],
      statusFile: '/run/mb.json', parentWatch: false, priority: 150, preemptDelayMs: 2000, priorityFile: '/run/prio',
      checks: [
        { command: 'pidof haproxy', name: 'haproxy', intervalMs: 2000, fall: 2, weight: -50 },
        { command: 'test -f /run/ok', name: 'check2', rise: 3, timeoutMs: 500, initFail: true },
      ],
    });
  });

  it.each([
    [['--check-weight', '-5'], /^--check-weight must follow the --check it applies to$/],
    [['--check', 'true', '--check-fall', '2', '--check-fall', '3'], /^--check-fall is given twice for --check "true"$/],
    [['--check', 'true', '--check-weight', '254'], /^--check-weight must be an integer from -253 to 253, got "254"$/],
    [['--check', 'true', '--check-interval', '5'], /^--check-interval must be an integer of at least 10, got "5"$/],
    [['--check', 'a', '--check-name', 'x', '--check', 'b', '--check-name', 'x'], /check names must be non-empty and unique/],
    [['--check', ''], /^--check needs a command$/],
    [['--priority', '0'], /^--priority must be an integer from 1 to 254, got "0"$/],
    [['--priority', '255'], /^--priority must be an integer from 1 to 254/],
    [['--preempt-delay', '-1'], /^--preempt-delay must be a non-negative integer/],
    [['--priority-file', ''], /^--priority-file needs a value$/],
  ])('refuses bad health flags: %j', (extra, message) => {
    expect(() => parseCliArgs([...REQUIRED, ...extra])).toThrow(message);
  });

  it('defaults: no floating address, no status file, the parent watched', () => {
    expect(parseCliArgs(REQUIRED)).toMatchObject({ vips: [], parentWatch: true, probeLeader: true });
    expect(parseCliArgs(REQUIRED)).not.toHaveProperty('statusFile');
  });

  it('--version wins over missing required options', () => {
    expect(parseCliArgs(['--version'])).toEqual({ command: 'version' });
    expect(parseCliArgs([...REQUIRED, '--version'])).toEqual({ command: 'version' });
  });

  it('takes a value that starts with a dash as the value ("--id -1" is a negative id, not an ambiguous flag)', () => {
    expect(() => parseCliArgs(['--interface', 'lo', '--address', 'x', '--id', '-1'])).toThrow(/^--id must not be negative: give an unsigned integer from 0 to 18446744073709551615/);
    expect(parseCliArgs([...REQUIRED, '--metadata', '-x-'])).toMatchObject({ metadata: '-x-' });
    expect(() => parseCliArgs(['--interface', 'lo', '--address', 'x', '--id', '--cluster', 'a'])).toThrow(/^--id needs a value \(got the option --cluster\)$/);
    expect(() => parseCliArgs(['--interface', 'lo', '--address', 'x', '--id'])).toThrow(/--id/);
  });

  it('takes a numeric interface as an index and a 64-bit id as a bigint', () => {
    const args = parseCliArgs(['-i', '3', '-a', '239.1.2.3:1', '--id', '18446744073709551615']);
    expect(args).toMatchObject({ interface: 3, id: 18446744073709551615n });
  });

  it.each([
    [['--address', '239.1.2.3:9999', '--id', '1'], /--interface/],
    [['--interface', 'lo', '--id', '1'], /--address/],
    [['--interface', 'lo', '--address', '239.1.2.3:9999'], /--id/],
    [[...REQUIRED, '--bogus'], /bogus/],
    [[...REQUIRED, 'extra'], /extra/],
    [['--interface', 'lo', '--address', 'x', '--id', '-1'], /--id/],
    [['--interface', 'lo', '--address', 'x', '--id', '18446744073709551616'], /2\^64/],
    [['--interface', 'lo', '--address', 'x', '--id', '12abc'], /--id/],
    [['--interface', 'lo', '--address', 'x', '--id', '-1'], /^--id must not be negative/],
    [['--interface', 'lo', '--address', 'x', '--id', '1.5'], /^--id must be an unsigned decimal integer .*got "1\.5"/],
    [['--interface', 'lo', '--address', 'x', '--id', ''], /^--id must be an unsigned decimal integer/],
    [[...REQUIRED, '--vip', '10.0.0.100'], /^--vip "10\.0\.0\.100": the prefix length is missing/],
    [[...REQUIRED, '--vip', 'banana/24'], /^--vip "banana\/24"/],
    [[...REQUIRED, '--vip', '239.1.1.1/24'], /multicast/],
    [[...REQUIRED, '--status-file', ''], /--status-file/],
    [[...REQUIRED, '--heartbeat', '0'], /--heartbeat/],
    [[...REQUIRED, '--heartbeat', 'fast'], /--heartbeat/],
    [[...REQUIRED, '--misses', '0'], /--misses/],
    [[...REQUIRED, '--misses', '2.5'], /--misses/],
    [[...REQUIRED, '--wire', 'v2'], /--wire/],
    [[...REQUIRED, '--log-level', 'loud'], /--log-level/],
    [[...REQUIRED, '--ttl', '-1'], /ttl/],
    [[...REQUIRED, '--hook-timeout', '0'], /--hook-timeout/],
    [['interfaces', '--verbose'], /verbose/],
  ])('rejects %j with a usage error', (argv, message) => {
    let thrown: unknown;
    try {
      parseCliArgs(argv);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UsageError);
    expect((thrown as UsageError).code).toBe('ERR_USAGE');
    expect((thrown as Error).message).toMatch(message);
  });

  it.each([
    [['-i', 'lo', '--address', '239.1.2.3:9', '--id', '1', '--interface', 'eth0'], '--interface is given more than once (-i lo, then --interface eth0): give it once; only --peer, --check (each with its own --check-* settings) and --vip may be repeated'],
    [[...REQUIRED, '--id', '8'], '--id is given more than once (--id 7, then --id 8): give it once; only --peer, --check (each with its own --check-* settings) and --vip may be repeated'],
    [[...REQUIRED, '--id', '-1'], '--id is given more than once (--id 7, then --id -1): give it once; only --peer, --check (each with its own --check-* settings) and --vip may be repeated'],
    [[...REQUIRED, '--heartbeat=50', '--heartbeat', '50'], '--heartbeat is given more than once (--heartbeat 50, then --heartbeat 50): give it once; only --peer, --check (each with its own --check-* settings) and --vip may be repeated'],
    [[...REQUIRED, '--no-probe', '--no-probe'], '--no-probe is given more than once (--no-probe, then --no-probe): give it once; only --peer, --check (each with its own --check-* settings) and --vip may be repeated'],
    [['interfaces', '--json', '--json'], '--json is given more than once (--json, then --json): give it once'],
  ])('refuses a repeated single-value flag: %j', (argv, message) => {
    expect(() => parseCliArgs(argv)).toThrow(new UsageError(message));
    expect(() => parseCliArgs(argv)).toThrow(UsageError);
  });

  it.each([
    ['9464', { host: '127.0.0.1', port: 9464 }],
    ['127.0.0.1:9100', { host: '127.0.0.1', port: 9100 }],
    ['0.0.0.0:9100', { host: '0.0.0.0', port: 9100 }],
    ['[::1]:9100', { host: '::1', port: 9100 }],
    ['[0:0:0:0:0:0:0:1]:65535', { host: '::1', port: 65535 }],
  ])('--metrics %s binds %j (a port alone: loopback only)', (value, address) => {
    expect(parseCliArgs([...REQUIRED, '--metrics', value])).toMatchObject({ metrics: address });
    expect(parseCliArgs(REQUIRED)).not.toHaveProperty('metrics');
  });

  it.each([
    ['x', /^--metrics must be PORT or HOST:PORT with HOST an IP address/],
    ['localhost:9464', /^--metrics must be PORT or HOST:PORT .*got "localhost:9464"$/],
    ['::1:9464', /^--metrics must be PORT or HOST:PORT/],
    ['[127.0.0.1]:9464', /^--metrics must be PORT or HOST:PORT/],
    [':9464', /^--metrics must be PORT or HOST:PORT/],
    ['0', /^--metrics: the port must be 1 to 65535, got 0$/],
    ['127.0.0.1:70000', /^--metrics: the port must be 1 to 65535, got 70000$/],
  ])('--metrics %s is a usage error', (value, message) => {
    expect(() => parseCliArgs([...REQUIRED, '--metrics', value])).toThrow(UsageError);
    expect(() => parseCliArgs([...REQUIRED, '--metrics', value])).toThrow(message);
  });

  it('lets the flags that are meant to repeat repeat', () => {
    expect(parseCliArgs([...REQUIRED, '--vip', '10.0.0.100/24', '--vip', '10.0.0.101/24'])).toMatchObject({ vips: [{ address: '10.0.0.100' }, { address: '10.0.0.101' }] });
  });

  it('recognises the subcommands and help', () => {
    expect(parseCliArgs(['interfaces'])).toEqual({ command: 'interfaces', json: false });
    expect(parseCliArgs(['interfaces', '--json'])).toEqual({ command: 'interfaces', json: true });
    expect(parseCliArgs(['demo'])).toEqual({ command: 'demo', logLevel: 'warn' });
    expect(parseCliArgs(['--help'])).toEqual({ command: 'help' });
  });
});
