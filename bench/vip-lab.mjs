// The floating-address lab shared by bench:vip and bench:health: a namespace LAN of 3 node hosts
// (h0..h2) and a client host (h3) (bench/netns.mjs), a UDP responder on every node host that
// answers with its host name, and a client on h3 that asks the VIP every few ms. It runs both
// systems under test: multibully's CLI with --vip, and keepalived (Debian's package, installed
// when missing) with virtual_ipaddress, its pid and config files under a private /tmp directory.
// Everything it starts is killed, and the namespaces removed, on exit (Ctrl-C included).
import { execFileSync, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
export const CLI = resolve(dirname(SELF), '../dist/cli/main.js');
// CLOCK_MONOTONIC in ms: one clock for this process and the client (performance.now() has a
// per-process origin, and Date.now() can be slewed).
export const mono = () => Number(process.hrtime.bigint()) / 1e6;
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- child roles (run inside a namespace via `node bench/vip-lab.mjs <role> …`) ----------------

if (process.argv[1] === SELF && process.argv[2] === 'responder') {
  const [name, port] = process.argv.slice(3);
  const socket = dgram.createSocket('udp4');
  socket.on('message', (_data, from) => socket.send(name, from.port, from.address));
  socket.bind(Number(port), () => process.stdout.write('ready\n'));
} else if (process.argv[1] === SELF && process.argv[2] === 'client') {
  // Sends to address:port every interval ms; prints "<mono ms> <name>" per reply; stops by itself.
  const [address, port, interval, maxCount, maxMs] = process.argv.slice(3).map((v, i) => (i === 0 ? v : Number(v)));
  const socket = dgram.createSocket('udp4');
  let sent = 0;
  socket.on('message', (data) => process.stdout.write(`${mono().toFixed(2)} ${data}\n`));
  socket.on('error', () => {}); // ICMP errors (port unreachable on a dead holder) are expected
  socket.bind(0, () => {
    const timer = setInterval(() => {
      if (++sent > maxCount) return stop();
      socket.send('?', port, address, () => {});
    }, interval);
    const stop = () => {
      clearInterval(timer);
      socket.close();
    };
    setTimeout(stop, maxMs).unref();
  });
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
}

/** The lab's setting, shared by the benches that use it: the VIP, the responders' port, the client's pace, keepalived's priorities. */
export const LAB = Object.freeze({ vip: '10.77.200.100', prefix: 24, port: 7000, requestIntervalMs: 5, waitMs: 15_000, priorities: Object.freeze([100, 150, 200]) });

/** The lab, or undefined (said on one line, exit status 1) where it cannot be built here. */
export async function openVipLab(bench) {
  try {
    return await createVipLab(LAB);
  } catch (error) {
    console.log(`${bench}: ${error.message}: skipped`);
    process.exitCode = 1;
    return undefined;
  }
}

/**
 * Builds the lab. `vip`, `prefix`: the floating address; `port`: the responders' port;
 * `requestIntervalMs`: the client's pace. Returns its parts and close().
 */
export async function createVipLab({ vip, prefix, port, requestIntervalMs, waitMs }) {
  const { createBenchLan, destroyAll, netnsSupported } = await import('./netns.mjs');
  if (!netnsSupported()) throw new Error('needs root and network namespaces (it adds addresses and sends ARP only inside its own namespaces)');
  if (!existsSync(CLI) || !readFileSync(resolve(dirname(CLI), 'usage.js'), 'utf8').includes('--vip')) {
    throw new Error(`${CLI} has no --vip: run \`npm run build:ts\` first`);
  }
  ensureKeepalived();
  const nsOf = (i) => `mbbench-${process.pid.toString(36)}-h${i}`; // bench/netns.mjs's names
  const children = new Set();
  const strayPids = new Set();
  const work = mkdtempSync(join(tmpdir(), 'mb-vip-lab-'));

  const ipn = (i, args, check = true) => {
    try {
      execFileSync('ip', ['-n', nsOf(i), ...args], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 });
      return true;
    } catch (error) {
      if (check) throw new Error(`ip -n ${nsOf(i)} ${args.join(' ')}: ${String(error.stderr ?? error.message).trim()}`);
      return false;
    }
  };
  const pidsIn = (i) => {
    try {
      return execFileSync('ip', ['netns', 'pids', nsOf(i)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 }).split('\n').filter(Boolean).map(Number);
    } catch {
      return [];
    }
  };
  const spawnIn = (i, cmd, args) => {
    const child = spawn('ip', ['netns', 'exec', nsOf(i), cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    child.stderr.setEncoding('utf8');
    child.stderrText = '';
    child.stderr.on('data', (c) => (child.stderrText = (child.stderrText + c).slice(-3000)));
    child.exited = new Promise((done) => child.once('exit', (code, signal) => (children.delete(child), done({ code, signal }))));
    return child;
  };
  const killPid = (pid, signal = 'SIGKILL') => {
    try {
      process.kill(pid, signal);
    } catch {
      // gone
    }
  };
  /** Every process we started, and every process left in our namespaces (keepalived's children). */
  const killEverything = () => {
    for (const child of children) child.kill('SIGKILL');
    for (const pid of strayPids) killPid(pid);
    for (let i = 0; i < 4; i++) for (const pid of pidsIn(i)) killPid(pid);
  };
  // Before bench/netns.mjs's own handlers delete the namespaces: kill whatever runs in them
  // (keepalived's processes included), then remove the private /tmp directory.
  const onExit = () => {
    killEverything();
    rmSync(work, { recursive: true, force: true });
  };
  process.prependOnceListener('exit', onExit);
  for (const signal of ['SIGINT', 'SIGTERM']) process.prependOnceListener(signal, onExit);

  createBenchLan(4); // h0..h2 nodes, h3 client
  for (let i = 0; i < 4; i++) {
    if (!ipn(i, ['link', 'show', 'eth0'], false)) throw new Error(`namespace ${nsOf(i)} is missing: bench/netns.mjs naming changed?`);
  }

  const responders = [];
  const startResponder = async (i) => {
    const child = spawnIn(i, process.execPath, [SELF, 'responder', `h${i}`, String(port)]);
    await new Promise((ready, fail) => {
      const timer = setTimeout(() => fail(new Error(`responder h${i} did not start`)), waitMs);
      child.stdout.on('data', (c) => String(c).includes('ready') && (clearTimeout(timer), ready()));
    });
    responders[i] = child;
  };
  for (let i = 0; i < 3; i++) await startResponder(i);

  const replies = []; // [mono ms, name]
  const client = spawnIn(3, process.execPath, [SELF, 'client', vip, String(port), String(requestIntervalMs), String(Math.ceil(600_000 / requestIntervalMs)), '600000']);
  let partial = '';
  client.stdout.setEncoding('utf8');
  client.stdout.on('data', (chunk) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop();
    for (const line of parts) {
      const [t, name] = line.split(' ');
      replies.push([Number(t), name]);
    }
    if (replies.length > 20_000) replies.splice(0, 10_000);
  });

  const vipHolders = () =>
    [0, 1, 2].filter((i) => {
      try {
        return execFileSync('ip', ['-n', nsOf(i), '-o', 'addr', 'show', 'dev', 'eth0'], { encoding: 'utf8', timeout: 10_000 }).includes(`${vip}/`);
      } catch {
        return false;
      }
    });

  return {
    work, ipn, pidsIn, spawnIn, killPid, replies, responders, startResponder, vipHolders,
    /** The first reply matching `pred`, waiting up to timeoutMs. */
    async waitForReply(pred, timeoutMs, what) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = replies.find(pred);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms`);
        await sleep(2);
      }
    },
    /**
     * The steady state both systems converge to (preemption on): h`holder` alone has the VIP, and
     * the client's last `count` replies (after `since`) all came from it.
     */
    async waitSteady(holder, since, count, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const recent = replies.filter(([t]) => t >= since).slice(-count);
        if (recent.length === count && recent.every(([, n]) => n === `h${holder}`)) {
          const holders = vipHolders();
          if (holders.length === 1 && holders[0] === holder) return holder;
        }
        await sleep(10);
      }
      const last = replies.filter(([t]) => t >= since).slice(-count).map(([, n]) => n);
      throw new Error(`no steady holder h${holder} within ${timeoutMs} ms (last replies: ${last.join(',') || 'none'}; VIP on: ${vipHolders().map((i) => `h${i}`).join(',') || 'nobody'})`);
    },
    clearVips() {
      for (let i = 0; i < 3; i++) ipn(i, ['addr', 'del', `${vip}/${prefix}`, 'dev', 'eth0'], false);
    },
    /** multibully's CLI on host i, JSON lines parsed into child.events. */
    startOurs(i, args) {
      const child = spawnIn(i, process.execPath, [CLI, '--interface', 'eth0', '--vip', `${vip}/${prefix}`, ...args]);
      child.events = [];
      let partialLine = '';
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk) => {
        const parts = (partialLine + chunk).split('\n');
        partialLine = parts.pop();
        for (const line of parts) if (line.startsWith('{')) child.events.push(JSON.parse(line));
      });
      return { pids: () => [child.pid], stop: (signal) => child.kill(signal), exited: child.exited, child };
    },
    /** keepalived on host i: VRRPv3, this priority and advert interval, and extra config where given. */
    startKeepalived(i, { priority, advertSeconds, instanceExtra = '', topLevel = '', globalExtra = '' }) {
      // A fresh directory per start: keepalived refuses to start over a previous run's pid files.
      const dir = join(work, `run${++keepalivedRuns}-h${i}`);
      mkdirSync(dir, { recursive: true });
      const config = join(dir, 'keepalived.conf');
      writeFileSync(config, `global_defs {
  router_id mbbench_h${i}
  vrrp_version 3
  vrrp_garp_master_repeat 5
  vrrp_garp_master_delay 0
${globalExtra}
}
${topLevel}
vrrp_instance VI_BENCH {
  state BACKUP
  interface eth0
  virtual_router_id 77
  priority ${priority}
  advert_int ${advertSeconds}
  virtual_ipaddress {
    ${vip}/${prefix} dev eth0
  }
${instanceExtra}
}
`);
      const before = new Set(pidsIn(i));
      // --no-syslog: without a syslog daemon glibc writes every syslog message to /dev/console, at
      // 1–10 ms a line, in the middle of a transition (found by bench/unicast.mjs): not keepalived's speed.
      const child = spawnIn(i, 'keepalived', ['--dont-fork', '--log-console', '--log-detail', '--no-syslog', '--vrrp', '-f', config, '-p', join(dir, 'keepalived.pid'), '-r', join(dir, 'vrrp.pid')]);
      child.stdout.setEncoding('utf8');
      child.stdoutText = '';
      child.stdout.on('data', (c) => (child.stdoutText = (child.stdoutText + c).slice(-3000)));
      // keepalived's VRRP child process (and script runs): whatever appears in the namespace.
      const pids = () => {
        const found = pidsIn(i).filter((pid) => !before.has(pid));
        for (const pid of found) strayPids.add(pid);
        return found;
      };
      return {
        pids,
        // SIGKILL: parent and VRRP child at once (a crash). SIGTERM: to the parent, as systemd does.
        stop: (signal) => (signal === 'SIGKILL' ? pids().forEach((pid) => killPid(pid)) : child.kill(signal)),
        exited: child.exited,
        child,
      };
    },
    /** Kills what a trial started and waits for it (keepalived's children included). */
    async stopAll(daemons) {
      for (const d of daemons) for (const pid of d.pids()) killPid(pid);
      for (const d of daemons) d.child.kill('SIGKILL');
      await Promise.all(daemons.map((d) => Promise.race([d.exited, sleep(5_000)])));
      for (const d of daemons) for (const pid of d.pids()) killPid(pid);
    },
    keepalivedVersion,
    /** Runs the bench's body; a failure is one line and exit status 1; the lab is closed either way. */
    async run(body) {
      try {
        await body();
      } catch (error) {
        console.error(`bench failed: ${error.message}`);
        process.exitCode = 1;
      } finally {
        this.close();
      }
    },
    close() {
      client.kill('SIGKILL');
      killEverything();
      destroyAll();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

let keepalivedRuns = 0;

/** keepalived from Debian's package (installed with apt-get when missing); shared with bench/unicast.mjs. */
export function ensureKeepalived() {
  try {
    execFileSync('keepalived', ['--version'], { stdio: 'ignore', timeout: 10_000 });
    return;
  } catch {
    // not installed
  }
  console.log('installing keepalived (apt-get update; apt-get install -y keepalived) …');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', timeout: 300_000, env });
  execFileSync('apt-get', ['install', '-y', '-qq', 'keepalived'], { stdio: 'inherit', timeout: 300_000, env });
}

export function keepalivedVersion() {
  try {
    return execFileSync('sh', ['-c', 'keepalived --version 2>&1'], { encoding: 'utf8', timeout: 10_000 }).split('\n')[0];
  } catch (error) {
    return String(error.stderr ?? '').split('\n')[0];
  }
}
