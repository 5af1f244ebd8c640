// Lifetime of the native socket: close semantics, fd hygiene, worker threads, listener errors,
// and the shape of system errors.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { MulticastSocket } from '../../lib/socket';
import { collect, loSocket, randomGroupAndPort, sleep, waitUntil } from './helpers';

const run = promisify(execFile);
const fixtures = path.join(__dirname, '..', 'fixtures');
const fdCount = (): number => fs.readdirSync('/proc/self/fd').length;

/** Runs a fixture with node; resolves with exit code, signal and output (never rejects on exit). */
async function runFixture(
  script: string,
  args: string[] = [],
  nodeFlags: string[] = [],
  prefix: string[] = [],
): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  const argv = [...prefix, process.execPath, ...nodeFlags, path.join(fixtures, script), ...args];
  try {
    const { stdout, stderr } = await run(argv[0]!, argv.slice(1), { timeout: 30_000 });
    return { code: 0, signal: null, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; signal?: string; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : null, signal: e.signal ?? null, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const lastJson = (stdout: string): Record<string, unknown> => JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;

beforeAll(() => {
  if (!fs.existsSync(path.join(__dirname, '..', '..', 'dist', 'socket', 'index.js'))) {
    throw new Error('dist/ is missing: run `npm run build:ts` (npm test does it) before these tests');
  }
});

describe('MulticastSocket lifetime', () => {
  it('emits close exactly once, asynchronously', async () => {
    const socket = new MulticastSocket({ family: 4 });
    socket.bind(0);
    let closes = 0;
    socket.on('close', () => closes++);
    socket.close();
    socket.close();
    expect(closes).toBe(0);
    await sleep(10);
    expect(closes).toBe(1);
  });

  it('1,000 open/bind/join/close cycles leave the fd count unchanged', async () => {
    const { group } = randomGroupAndPort();
    new MulticastSocket({ family: 4 }).close(); // load the addon before counting
    await sleep(10);
    const before = fdCount();
    for (let i = 0; i < 1_000; i++) {
      const socket = new MulticastSocket({ family: i % 2 === 0 ? 4 : 6 });
      socket.bind(0);
      if (socket.family === 4) socket.join(group, 'lo');
      else socket.join('ff02::4d42', 'lo');
      socket.close();
    }
    await sleep(50); // handles finish closing on the next loop turns
    expect(fdCount()).toBe(before);
  });

  it('close() inside a message listener stops delivery of datagrams already queued', async () => {
    const { group, port } = randomGroupAndPort();
    const sender = loSocket(group, port);
    const receiver = loSocket(group, port);
    const got: string[] = [];
    receiver.on('message', (d) => {
      got.push(d.data.toString());
      receiver.close();
    });
    // All five are queued in the kernel before the receiver's next wake-up drains them.
    for (let i = 0; i < 5; i++) sender.send(Buffer.from(`m${i}`), group, port);
    const senderGot = collect(sender);
    await waitUntil(() => senderGot.length >= 5);
    await sleep(100);
    sender.close();
    expect(got).toEqual(['m0']);
    expect(receiver.closed).toBe(true);
  });

  it('unbound sockets dropped without close() are freed by GC (fds too)', async () => {
    const result = await runFixture('socket-gc.cjs', [], ['--expose-gc']);
    expect(result.code).toBe(0);
    const { fdBefore, fdPeak, fdAfter } = lastJson(result.stdout) as Record<string, number>;
    expect(fdPeak).toBeGreaterThanOrEqual(fdBefore! + 200);
    expect(fdAfter).toBe(fdBefore);
  });

  it('works in worker threads and is cleaned up when a worker is terminated with the socket open', async () => {
    const port = randomGroupAndPort().port;
    const result = await runFixture('socket-worker.cjs', [String(port)]);
    expect(result.signal).toBeNull();
    expect(result.code).toBe(0);
    const { received, fdBefore, fdAfter } = lastJson(result.stdout);
    expect(received).toEqual(Array(5).fill('to worker'));
    expect(fdAfter).toBe(fdBefore);
  });
});

describe('event loop reference', () => {
  const script = (unref: boolean): string =>
    `const { MulticastSocket } = require(${JSON.stringify(path.join(__dirname, '..', '..', 'dist', 'socket'))});
     const s = new MulticastSocket({ family: 4 }); s.bind(0); ${unref ? 's.unref();' : ''}`;

  it('a bound socket keeps the process alive; after unref() it exits', async () => {
    const unrefd = await run(process.execPath, ['-e', script(true)], { timeout: 10_000 });
    expect(unrefd.stderr).toBe('');
    const kept = await run(process.execPath, ['-e', script(false)], { timeout: 1_000 }).then(
      () => 'exited',
      (error: { killed?: boolean }) => (error.killed ? 'still running' : 'failed'),
    );
    expect(kept).toBe('still running');
  });
});

describe('listener exceptions', () => {
  it('surface as uncaughtException, which a handler can catch', async () => {
    const result = await runFixture('socket-throwing-listener.cjs', ['handled', String(randomGroupAndPort().port)]);
    expect(result.code).toBe(0);
    expect(lastJson(result.stdout)).toEqual({ caught: 'listener boom x1' });
  });

  it('without a handler, end the process like any uncaught exception (exit 1, no abort)', async () => {
    const result = await runFixture('socket-throwing-listener.cjs', ['plain', String(randomGroupAndPort().port)]);
    expect(result.signal).toBeNull();
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('listener boom x1');
    expect(result.stderr).not.toContain('FATAL ERROR');
  });
});

describe('listener exceptions in a batch', () => {
  it('the exception surfaces first, then the rest of the batch is delivered in order', async () => {
    const { port } = randomGroupAndPort();
    const script = `const { MulticastSocket } = require(${JSON.stringify(path.join(__dirname, '..', '..', 'dist', 'socket'))});
      const group = '239.77.251.1';
      const s = new MulticastSocket({ family: 4 }); s.bind(${port}); s.join(group, 'lo'); s.setMulticastInterface('lo');
      const order = [];
      s.on('message', (d) => { const m = d.data.toString(); order.push(m); if (m === 'm1') throw new Error('boom ' + m); });
      process.on('uncaughtException', (e) => order.push('uncaught: ' + e.message));
      for (let i = 0; i < 5; i++) s.send(Buffer.from('m' + i), group, ${port});
      setTimeout(() => { s.send(Buffer.from('later'), group, ${port}); }, 100);
      setTimeout(() => { process.stdout.write(JSON.stringify(order) + '\\n'); process.exit(0); }, 600);`;
    const { stdout } = await run(process.execPath, ['-e', script], { timeout: 10_000 });
    expect(JSON.parse(stdout.trim())).toEqual(['m0', 'm1', 'uncaught: boom m1', 'm2', 'm3', 'm4', 'later']);
  });
});

describe('system errors', () => {
  it('carry code, negative errno and syscall (bind to an address that is not local)', () => {
    const socket = new MulticastSocket({ family: 4 });
    try {
      expect(() => socket.bind(0, '203.0.113.77')).toThrow(
        expect.objectContaining({ code: 'EADDRNOTAVAIL', errno: -os.constants.errno.EADDRNOTAVAIL, syscall: 'bind' }),
      );
    } finally {
      socket.close();
    }
  });

  it('carry code, errno and syscall for a failed setsockopt (joining a group twice)', () => {
    const socket = new MulticastSocket({ family: 4 });
    try {
      socket.join('239.77.0.9', 'lo');
      let caught: (Error & { code?: string; errno?: number; syscall?: string }) | undefined;
      try {
        socket.join('239.77.0.9', 'lo');
      } catch (error) {
        caught = error as typeof caught;
      }
      expect(caught).toBeInstanceOf(Error);
      expect(caught).toMatchObject({ code: 'EADDRINUSE', errno: -os.constants.errno.EADDRINUSE, syscall: 'setsockopt' });
      expect(caught!.message).toContain('239.77.0.9');
    } finally {
      socket.close();
    }
  });

  it('bindToDevice reports EPERM clearly when re-binding a device without CAP_NET_RAW', async (context) => {
    if (process.getuid?.() !== 0 || !fs.existsSync('/usr/bin/setpriv')) {
      console.log('skipped: needs root and setpriv to drop CAP_NET_RAW');
      context.skip();
    }
    const allowed = await runFixture('socket-bind-to-device.cjs');
    expect(lastJson(allowed.stdout)).toEqual({ ok: true });
    const dropped = await runFixture('socket-bind-to-device.cjs', [], [], ['setpriv', '--bounding-set', '-net_raw', '--inh-caps', '-net_raw']);
    const error = lastJson(dropped.stdout);
    expect(error).toMatchObject({ code: 'EPERM', errno: -os.constants.errno.EPERM, syscall: 'setsockopt' });
    expect(String(error.message)).toContain('CAP_NET_RAW');
  });
});
