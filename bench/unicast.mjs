// Unicast peers benchmark (issue 18): SIGKILL failover on a LAN that carries no multicast at all,
// multibully's peers mode against keepalived's unicast_peer, in the same run, on the same LAN.
//
// The LAN: 5 namespace hosts h0..h4 (bench/netns.mjs: a bridge, eth0 = 10.77.200.<i+1>/24 each).
// Every host drops all multicast with nftables, both ways:
//   ingress  inet input hook: meta pkttype multicast, ip daddr 224.0.0.0/4, ip6 daddr ff00::/8
//   egress   netdev egress hook on eth0: ip daddr 224.0.0.0/4, ip6 daddr ff00::/8
// The egress drop is on the device, not in the output hook: an output-hook drop makes sendto()
// fail with EPERM, which multibully reports as a fault ("send-failing") and keepalived logs; a
// network that does not carry multicast (a cloud VPC) accepts the send and loses the datagram,
// which is what the egress hook does. The check before the trials shows the rule works: in
// multicast mode neither system elects one leader (every multibully node leads alone, every
// keepalived instance is MASTER alone), and the drop counters count what was dropped.
//
// Trials (TRIALS, default 7, the two systems interleaved in each): 5 nodes, one per host,
// heartbeat / advert interval 50 ms, the highest (id 5 / priority 254) on h4; once it leads and
// every other node follows (BACKUP), after a random phase within the interval, every process of
// h4's daemon is SIGKILLed (the host stays up) and we time the kill → the new leader's transition:
//   multibully  dist/cli/main.js --interface eth0 --address 7000 --id N --heartbeat 50
//               --peer 10.77.200.1 … --peer 10.77.200.5 (every node gets the full list); time =
//               the "time" of node 4's "leader" line (performance.timeOrigin + now() in the CLI)
//               minus the kill time taken the same way in this process just before the kill
//               (bench/failover.mjs's method); also printed: when every survivor follows 4.
//   keepalived  Debian's package, VRRPv3, advert_int 0.05, unicast_src_ip + unicast_peer (the other
//               4 hosts), priorities 250..254 (254 on h4, 253 next: the shortest Skew_Time
//               keepalived can have, so its figure is its best case), a VIP (keepalived 2.2.7
//               refuses an instance without one) with `accept` (no firewall rules to set up). Time =
//               the line "INSTANCE … MASTER" of the MASTER that stays MASTER on its vrrp_notify_fifo,
//               which the VRRP process writes itself right after its first advert as MASTER, the VIP
//               and its gratuitous ARP (a kernel-timestamped capture on the bridge put that advert
//               0.3–1.6 ms before the line); a reader process (this file, role "fifo-reader", at a
//               real-time priority) timestamps each line as it arrives with the same clock,
//               performance.timeOrigin + now(). Not used: keepalived's console log (whole-second
//               timestamps) and a notify_master script running `date +%s.%N` (keepalived forks it
//               before it writes the fifo; it came 10–70 ms after the advert on this VM). keepalived
//               runs with --no-syslog: without a syslog daemon glibc writes every syslog message to
//               /dev/console, at 1–10 ms a line, in the middle of the transition.
// The rate at which a follower receives heartbeats / adverts is counted (nft counters on h0) in
// each trial, so that both sides are seen to run at the same 50 ms interval on the wire.
// Also printed: multibully's cold start (5 processes spawned together → all follow 5).
// Goal (issue 18): multibully's SIGKILL failover median ≤ 0.9 × keepalived's. PASS or MISS is
// printed; the exit status is 0 either way, 1 only when the bench itself broke.
//
// N=50 (env): multibully only, N participants over the 5 hosts (N/5 a host, ports 7000 + slot, the
// peers as ADDR:PORT, ids 1..N, id N on h4): cold start to agreement and one SIGKILL of id N (1 s
// after agreement). Printed with each failover: whether the next in line gave the leader up by the
// probe (≲ 2.5 heartbeats) or by the leader timeout ((misses + ½) heartbeats), and the ICMP the
// killed leader's host sent and the rate limits suppressed.
// Env: TRIALS, SYSTEMS=multibully,keepalived (either alone runs half the A/B part), N.
// Bounded: every wait has a timeout, the run has a deadline (< 10 min), the fifo reader exits with
// its parent. Needs root; it creates only its own namespaces (private addresses) and removes them,
// and every process in them, on exit, error and Ctrl-C. keepalived is installed with apt-get
// when missing (as bench/vip-lab.mjs does); its config, pid files and fifos live under a private
// /tmp directory.
import { execFileSync, spawn } from 'node:child_process';
import { constants, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { ensureKeepalived, keepalivedVersion } from './vip-lab.mjs';

const SELF = fileURLToPath(import.meta.url);
const CLI = resolve(dirname(SELF), '../dist/cli/main.js');
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

if (process.argv[1] === SELF && process.argv[2] === 'fifo-reader') fifoReader(process.argv.slice(3));
else await main();

// ---- child role: reads keepalived's notify fifos and timestamps each line ------------------------

/** `fifo-reader PARENT_PID NAME=PATH …`: prints "NAME TIME LINE" per line read; exits with its parent. */
function fifoReader([parentPid, ...specs]) {
  setTimeout(() => process.exit(0), 15 * 60_000).unref();
  setInterval(() => {
    try {
      process.kill(Number(parentPid), 0);
    } catch {
      process.exit(0);
    }
  }, 500);
  for (const spec of specs) {
    const at = spec.indexOf('=');
    const [name, path] = [spec.slice(0, at), spec.slice(at + 1)];
    // Read-write: the fifo never reports end of file while keepalived is not running; non-blocking,
    // so libuv polls it like a pipe (no thread-pool read in between).
    const fd = openSync(path, constants.O_RDWR | constants.O_NONBLOCK);
    const stream = new net.Socket({ fd, readable: true, writable: false });
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      const t = now();
      const parts = (partial + chunk).split('\n');
      partial = parts.pop();
      for (const line of parts) process.stdout.write(`${name} ${t.toFixed(3)} ${line}\n`);
    });
  }
  process.stdout.write('ready\n');
}

// ---- the bench ------------------------------------------------------------------------------------

async function main() {
  const HOSTS = 5;
  const HEARTBEAT_MS = 50;
  const PORT = 7000;
  const TRIALS = Math.max(1, Math.min(Number(process.env.TRIALS ?? 7), 25));
  const SYSTEMS = (process.env.SYSTEMS ?? 'multibully,keepalived').split(',').filter(Boolean);
  const SCALE_N = process.env.N === undefined || process.env.N === '' ? undefined : Number(process.env.N);
  const START = Date.now();
  const RUN_DEADLINE = START + 9 * 60_000;
  const WAIT_MS = 15_000;
  const GOAL_RATIO = 0.9;
  const PRIORITIES = [250, 251, 252, 253, 254]; // h0..h4
  const VIP = '10.77.200.100/24';
  const MCAST_GROUP = '239.77.220.1:7100';
  const addressOf = (i) => `10.77.200.${i + 1}`; // bench/netns.mjs's addresses
  const nsOf = (i) => `mbbench-${process.pid.toString(36)}-h${i}`; // bench/netns.mjs's names

  if (SCALE_N !== undefined && (!Number.isInteger(SCALE_N) || SCALE_N < HOSTS || SCALE_N > 100)) {
    console.log(`bench:unicast: N must be an integer from ${HOSTS} to 100`);
    process.exitCode = 1;
    return;
  }
  const wantOurs = SCALE_N !== undefined || SYSTEMS.includes('multibully');
  const wantKeepalived = SCALE_N === undefined && SYSTEMS.includes('keepalived');
  const checkOurs = wantOurs || existsSync(CLI); // the multicast check needs no --peer

  const { createBenchLan, destroyAll, netnsSupported } = await import('./netns.mjs');
  if (!netnsSupported()) {
    console.log('bench:unicast: needs root and network namespaces (it builds its own namespace LAN): skipped');
    process.exitCode = 1;
    return;
  }
  if (wantOurs && (!existsSync(CLI) || !readFileSync(resolve(dirname(CLI), 'usage.js'), 'utf8').includes('--peer'))) {
    console.log(`bench:unicast: ${CLI} has no --peer: run \`npm run build:ts\` first (or SYSTEMS=keepalived)`);
    process.exitCode = 1;
    return;
  }
  if (wantKeepalived) ensureKeepalived();

  // ---- processes and cleanup ----
  const children = new Set();
  const work = mkdtempSync(join(tmpdir(), 'mb-unicast-'));
  let fifoChild;
  let fifoReaderNote = '';
  const killPid = (pid) => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  };
  const pidsIn = (i) => {
    try {
      return execFileSync('ip', ['netns', 'pids', nsOf(i)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 }).split('\n').filter(Boolean).map(Number);
    } catch {
      return [];
    }
  };
  /** Everything this run started, and every process left in its namespaces (keepalived's VRRP children). */
  const killEverything = () => {
    for (const child of children) child.kill('SIGKILL');
    fifoChild?.kill('SIGKILL');
    for (let i = 0; i < HOSTS; i++) for (const pid of pidsIn(i)) killPid(pid);
  };
  // Before bench/netns.mjs's own handlers delete the namespaces (a namespace deleted with processes
  // in it lives on in them).
  const onExit = () => {
    killEverything();
    rmSync(work, { recursive: true, force: true });
  };
  process.prependOnceListener('exit', onExit);
  for (const signal of ['SIGINT', 'SIGTERM']) process.prependOnceListener(signal, onExit);

  const spawnIn = (i, cmd, args, { detached = false } = {}) => {
    const child = spawn('ip', ['netns', 'exec', nsOf(i), cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached });
    children.add(child);
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdoutText = '';
    child.stderrText = '';
    child.stdout.on('data', (c) => (child.stdoutText = (child.stdoutText + c).slice(-3000)));
    child.stderr.on('data', (c) => (child.stderrText = (child.stderrText + c).slice(-3000)));
    child.exited = new Promise((done) => child.once('exit', (code, signal) => (children.delete(child), done({ code, signal }))));
    return child;
  };
  const processGroupOf = (pid) => {
    try {
      return Number(readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')[2]);
    } catch {
      return undefined;
    }
  };
  const commOf = (pid) => {
    try {
      return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    } catch {
      return undefined;
    }
  };
  const ipn = (i, args, check = true) => {
    try {
      execFileSync('ip', ['-n', nsOf(i), ...args], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 });
      return true;
    } catch (error) {
      if (check) throw new Error(`ip -n ${nsOf(i)} ${args.join(' ')}: ${String(error.stderr ?? error.message).trim()}`);
      return false;
    }
  };
  const nft = (i, args, input) =>
    execFileSync('ip', ['netns', 'exec', nsOf(i), 'nft', ...args], { encoding: 'utf8', input, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], timeout: 10_000 });
  /** Packets counted so far by the named counter of table `family mbnomc` on host i. */
  const counter = (i, family, name) => {
    const listed = JSON.parse(nft(i, ['-j', 'list', 'counter', family, 'mbnomc', name]));
    return listed.nftables.find((entry) => entry.counter)?.counter.packets ?? NaN;
  };
  /** Host i's ICMP counters (its /proc/net/snmp): port unreachables sent, and those the rate limits suppressed. */
  const icmpOut = (i) => {
    const lines = execFileSync('ip', ['netns', 'exec', nsOf(i), 'cat', '/proc/net/snmp'], { encoding: 'utf8', timeout: 10_000 }).split('\n').filter((l) => l.startsWith('Icmp: '));
    const [names, values] = lines.map((l) => l.slice(6).trim().split(/\s+/));
    const get = (name) => Number(values[names.indexOf(name)] ?? NaN);
    return { unreachable: get('OutDestUnreachs'), limitedHost: get('OutRateLimitHost'), limitedGlobal: get('OutRateLimitGlobal') };
  };
  const icmpDelta = (a, b) => `${b.unreachable - a.unreachable} ICMP unreachable sent, ${b.limitedHost - a.limitedHost + (b.limitedGlobal - a.limitedGlobal)} suppressed by the rate limits`;
  const waitUntil = async (what, predicate, timeoutMs) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = predicate();
      if (value !== undefined && value !== false) return value;
      if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms`);
      await sleep(2);
    }
  };

  // ---- the LAN, and no multicast on it ----
  function buildLan() {
    createBenchLan(HOSTS);
    for (let i = 0; i < HOSTS; i++) {
      if (!ipn(i, ['link', 'show', 'eth0'], false)) throw new Error(`namespace ${nsOf(i)} is missing: bench/netns.mjs naming changed?`);
      try {
        nft(i, ['-f', '-'], `table inet mbnomc {
  counter mc_in { }
  counter vrrp_in { }
  counter mb_in { }
  chain in {
    type filter hook input priority 0; policy accept;
    meta pkttype multicast counter name mc_in drop
    ip daddr 224.0.0.0/4 counter name mc_in drop
    ip6 daddr ff00::/8 counter name mc_in drop
    ip protocol vrrp counter name vrrp_in
    udp dport ${PORT} counter name mb_in
  }
}
table netdev mbnomc {
  counter mc_out { }
  chain out {
    type filter hook egress device "eth0" priority 0; policy accept;
    ip daddr 224.0.0.0/4 counter name mc_out drop
    ip6 daddr ff00::/8 counter name mc_out drop
  }
}
`);
      } catch (error) {
        throw new Error(`nft on ${nsOf(i)}: ${String(error.stderr ?? error.message).trim()} (the egress hook needs Linux ≥ 5.16 and nftables ≥ 1.0.1)`);
      }
    }
  }
  const multicastDropped = () => {
    let total = 0;
    for (let i = 0; i < HOSTS; i++) total += counter(i, 'inet', 'mc_in') + counter(i, 'netdev', 'mc_out');
    return total;
  };

  // ---- multibully ----
  class Node {
    constructor(host, id, args) {
      this.host = host;
      this.id = String(id);
      this.events = [];
      this.spawnedAt = now();
      this.child = spawnIn(host, process.execPath, [CLI, '--interface', 'eth0', '--id', this.id, '--heartbeat', String(HEARTBEAT_MS), '--log-level', 'warn', ...args]);
      let partial = '';
      this.child.stdout.on('data', (chunk) => {
        const parts = (partial + chunk).split('\n');
        partial = parts.pop();
        for (const line of parts) if (line.startsWith('{')) this.events.push(JSON.parse(line));
      });
    }
    get leaderId() {
      const last = this.events.findLast((e) => e.event !== 'conflict');
      if (!last) return undefined;
      if (last.event === 'leader') return last.id;
      if (last.event === 'follower') return last.leader?.id;
      return undefined;
    }
    get state() {
      return this.events.findLast((e) => e.event !== 'conflict')?.event;
    }
  }
  /** The time every node follows leaderId (the latest of their last leader/follower lines). */
  const agreement = (nodes, leaderId, timeoutMs) =>
    waitUntil(
      `agreement on ${leaderId}`,
      () => nodes.every((n) => n.leaderId === leaderId) && Math.max(...nodes.map((n) => n.events.findLast((e) => e.event === 'leader' || e.event === 'follower').time)),
      timeoutMs,
    ).catch((error) => {
      const views = new Map();
      for (const n of nodes) views.set(`${n.leaderId ?? n.state ?? 'nothing'}`, (views.get(`${n.leaderId ?? n.state ?? 'nothing'}`) ?? 0) + 1);
      const stderr = nodes.map((n) => n.child.stderrText.trim()).filter(Boolean)[0] ?? '';
      throw new Error(`${error.message} (views: ${[...views].map(([v, c]) => `${v}×${c}`).join(' ')})${stderr ? `; stderr: ${stderr.slice(-400)}` : ''}`);
    });
  const stopNodes = async (nodes) => {
    for (const n of nodes) n.child.kill('SIGKILL');
    await Promise.race([Promise.all(nodes.map((n) => n.child.exited)), sleep(5_000)]);
  };
  /** When the next in line gave the leader up, and how: the probe (ICMP port unreachable from the leader's host, ≈ 1.5 heartbeats) or the leader timeout ((3 + ½) heartbeats by default). */
  const detection = (who, candidate, killedAt) => {
    if (!candidate) return '';
    const ms = candidate.time - killedAt;
    return `${who}'s candidate line at ${ms.toFixed(1)} ms (${ms <= 2.5 * HEARTBEAT_MS ? 'the probe' : 'the leader timeout, not the probe'})`;
  };
  const peersOf5 = Array.from({ length: HOSTS }, (_, i) => ['--peer', addressOf(i)]).flat();

  async function ourTrial() {
    const nodes = Array.from({ length: HOSTS }, (_, i) => new Node(i, i + 1, ['--address', String(PORT), ...peersOf5]));
    try {
      const firstSpawn = Math.min(...nodes.map((n) => n.spawnedAt));
      const agreedAt = await agreement(nodes, String(HOSTS), WAIT_MS);
      const lastUp = Math.max(...nodes.map((n) => n.events[0].time));
      // A random phase within the heartbeat; meanwhile h0 counts the leader's heartbeats.
      const c0 = counter(0, 'inet', 'mb_in');
      const t0 = now();
      await sleep(500 + Math.random() * HEARTBEAT_MS);
      const rate = ((counter(0, 'inet', 'mb_in') - c0) * 1000) / (now() - t0);
      const killedAt = now();
      nodes[HOSTS - 1].child.kill('SIGKILL');
      const next = nodes[HOSTS - 2];
      const leaderLine = await waitUntil('"leader" line from node 4', () => next.events.find((e) => e.time >= killedAt && e.event === 'leader'), WAIT_MS);
      const survivorsAt = await agreement(nodes.slice(0, HOSTS - 1), String(HOSTS - 1), WAIT_MS);
      const candidate = next.events.find((e) => e.time >= killedAt && e.event === 'candidate');
      const interim = nodes.slice(0, HOSTS - 2).filter((n) => n.events.some((e) => e.time >= killedAt && e.event === 'leader')).map((n) => n.id);
      const firstClaim = Math.min(...nodes.slice(0, HOSTS - 1).map((n) => n.events.find((e) => e.time >= killedAt && e.event === 'leader')?.time ?? Infinity));
      return {
        ms: leaderLine.time - killedAt,
        firstAny: firstClaim - killedAt,
        cold: agreedAt - firstSpawn,
        coldLastUp: agreedAt - lastUp,
        note: `5→4${interim.length ? ` (also leader for a while: ${interim.join(',')})` : ''}; all survivors follow 4 at ${(survivorsAt - killedAt).toFixed(1)} ms${candidate ? `; ${detection('4', candidate, killedAt)}` : ''}; h0 receives ${rate.toFixed(1)} datagrams/s on :${PORT}`,
      };
    } finally {
      await stopNodes(nodes);
    }
  }

  // ---- keepalived ----
  let fifoLines = []; // { host, t, state }
  const fifoOf = (i) => join(work, `notify-h${i}.fifo`);
  let keepalivedRuns = 0;
  async function startFifoReader() {
    for (let i = 0; i < HOSTS; i++) execFileSync('mkfifo', ['-m', '600', fifoOf(i)], { timeout: 10_000 });
    // At a real-time priority (chrt, util-linux) when it can: the reader only timestamps, and on a
    // busy host an ordinary process can wake tens of ms after the fifo became readable.
    const readerArgs = [SELF, 'fifo-reader', String(process.pid), ...Array.from({ length: HOSTS }, (_, i) => `${i}=${fifoOf(i)}`)];
    let realtime = true;
    try {
      execFileSync('chrt', ['--fifo', '10', 'true'], { stdio: 'ignore', timeout: 10_000 });
    } catch {
      realtime = false;
    }
    fifoChild = realtime ? spawn('chrt', ['--fifo', '10', process.execPath, ...readerArgs], { stdio: ['ignore', 'pipe', 'pipe'] }) : spawn(process.execPath, readerArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
    fifoReaderNote = realtime ? 'its reader at SCHED_FIFO 10' : 'its reader at normal priority (no chrt)';
    let partial = '';
    fifoChild.stdout.setEncoding('utf8');
    await new Promise((ready, fail) => {
      const timer = setTimeout(() => fail(new Error('the fifo reader did not start')), WAIT_MS);
      fifoChild.once('exit', (code) => fail(new Error(`the fifo reader exited (${code})`)));
      fifoChild.stdout.on('data', (chunk) => {
        const parts = (partial + chunk).split('\n');
        partial = parts.pop();
        for (const line of parts) {
          if (line === 'ready') (clearTimeout(timer), ready());
          // "3 1795690000123.456 INSTANCE "VI_BENCH" MASTER 253"
          const match = /^(\d+) ([\d.]+) INSTANCE "[^"]*" (\w+) /.exec(line);
          // MASTER_RX_LOWER_PRI: a MASTER that heard a lower priority's advert (still MASTER).
          if (match) fifoLines.push({ host: Number(match[1]), t: Number(match[2]), state: match[3].startsWith('MASTER') ? 'MASTER' : match[3] });
        }
      });
    });
  }
  const kaState = (i) => fifoLines.findLast((l) => l.host === i)?.state;

  function startKeepalived(i, { unicast }) {
    const dir = join(work, `run${++keepalivedRuns}-h${i}`);
    mkdirSync(dir, { recursive: true });
    const config = join(dir, 'keepalived.conf');
    const peers = Array.from({ length: HOSTS }, (_, j) => j).filter((j) => j !== i).map((j) => `    ${addressOf(j)}`).join('\n');
    writeFileSync(config, `global_defs {
  router_id mbbench_h${i}
  vrrp_version 3
  vrrp_garp_master_repeat 1
  vrrp_garp_master_delay 0
  vrrp_notify_fifo ${fifoOf(i)}
}
vrrp_instance VI_BENCH {
  state BACKUP
  interface eth0
  virtual_router_id 78
  priority ${PRIORITIES[i]}
  advert_int ${HEARTBEAT_MS / 1000}
${unicast ? `  unicast_src_ip ${addressOf(i)}\n  unicast_peer {\n${peers}\n  }\n` : ''}  virtual_ipaddress {
    ${VIP} dev eth0
  }
  accept
}
`);
    // Its own process group (keepalived keeps its VRRP child in it), so that one kill(2) SIGKILLs
    // both at once: killed one after the other, the VRRP child can outlive its parent long enough
    // to take the SIGTERM keepalived asks for on the parent's death (PR_SET_PDEATHSIG) and resign
    // cleanly with a priority-0 advert, or the parent can respawn a child killed first.
    // --no-syslog: with no syslog daemon (no /dev/log, as in these namespaces' mount namespace)
    // glibc's syslog() falls back to writing every message to /dev/console, which costs keepalived
    // 1-10 ms a line, between its first advert as MASTER and its notify fifo line; --log-console
    // (to our pipe) keeps the messages for the diagnostics at µs a line.
    const child = spawnIn(i, 'keepalived', ['--dont-fork', '--log-console', '--no-syslog', '--vrrp', '-f', config, '-p', join(dir, 'keepalived.pid'), '-r', join(dir, 'vrrp.pid')], { detached: true });
    return child;
  }
  async function stopKeepalived(daemons) {
    for (let i = 0; i < HOSTS; i++) for (const pid of pidsIn(i)) killPid(pid);
    await Promise.race([Promise.all(daemons.map((d) => d.exited)), sleep(5_000)]);
    await waitUntil('empty namespaces', () => [...Array(HOSTS).keys()].every((i) => pidsIn(i).length === 0), 5_000);
    for (let i = 0; i < HOSTS; i++) ipn(i, ['addr', 'del', VIP, 'dev', 'eth0'], false);
  }
  const kaDiagnostics = (daemons) => daemons.map((d, i) => `h${i}: ${kaState(i) ?? 'no fifo line'} ${(d.stderrText || d.stdoutText).trim().split('\n').slice(-2).join(' / ')}`).join(' | ');

  async function keepalivedTrial() {
    fifoLines = [];
    const daemons = Array.from({ length: HOSTS }, (_, i) => startKeepalived(i, { unicast: true }));
    try {
      // Steady: h4 MASTER, every other BACKUP, and no transition for 300 ms.
      await waitUntil(
        'steady MASTER h4',
        () => kaState(HOSTS - 1) === 'MASTER' && [...Array(HOSTS - 1).keys()].every((i) => kaState(i) === 'BACKUP') && now() - fifoLines.at(-1).t > 300,
        WAIT_MS,
      ).catch((error) => {
        throw new Error(`${error.message}: ${kaDiagnostics(daemons)}`);
      });
      const group = daemons[HOSTS - 1].pid; // keepalived's parent; its process group id
      const outside = pidsIn(HOSTS - 1).filter((pid) => commOf(pid) === 'keepalived' && processGroupOf(pid) !== group);
      if (outside.length > 0) throw new Error(`keepalived's processes on h4 are not all in its process group (${outside.join(', ')} are not)`);
      const c0 = counter(0, 'inet', 'vrrp_in');
      const t0 = now();
      await sleep(500 + Math.random() * HEARTBEAT_MS);
      const rate = ((counter(0, 'inet', 'vrrp_in') - c0) * 1000) / (now() - t0);
      const killedAt = now();
      process.kill(-group, 'SIGKILL'); // parent and VRRP child in one call
      const first = await waitUntil('new MASTER', () => fifoLines.find((l) => l.t >= killedAt && l.state === 'MASTER'), WAIT_MS).catch((error) => {
        throw new Error(`${error.message}: ${kaDiagnostics(daemons)}`);
      });
      // The new MASTER is the one that stays MASTER (backups whose Skew_Time differs by less than
      // a millisecond can claim together and then give way to the highest).
      await sleep(300);
      const finals = [...Array(HOSTS - 1).keys()].filter((i) => kaState(i) === 'MASTER');
      if (finals.length !== 1) throw new Error(`no single MASTER 300 ms after the kill: ${kaDiagnostics(daemons)}`);
      const master = fifoLines.find((l) => l.t >= killedAt && l.state === 'MASTER' && l.host === finals[0]);
      const interim = [...new Set(fifoLines.filter((l) => l.t >= killedAt && l.state === 'MASTER' && l.host !== master.host).map((l) => l.host))];
      const left = pidsIn(HOSTS - 1).length;
      return {
        ms: master.t - killedAt,
        firstAny: first.t - killedAt,
        note: `h4→h${master.host}${interim.length ? `; also MASTER for a while: ${interim.map((h) => `h${h}`).join(',')}, the first at ${(first.t - killedAt).toFixed(1)} ms` : ''}; h0 receives ${rate.toFixed(1)} adverts/s${left ? `; ${left} processes left on h4!` : ''}`,
      };
    } finally {
      await stopKeepalived(daemons);
    }
  }

  // ---- the checks: multicast cannot elect one leader here ----
  async function multicastCheck() {
    const before = multicastDropped();
    const lines = [];
    let ok = true;
    if (checkOurs) {
      const nodes = Array.from({ length: HOSTS }, (_, i) => new Node(i, i + 1, ['--address', MCAST_GROUP]));
      try {
        await waitUntil('multicast nodes up', () => nodes.every((n) => n.events.length > 0), WAIT_MS);
        await sleep(1_500);
        const alone = nodes.filter((n) => n.leaderId === n.id).length;
        const states = nodes.map((n) => `${n.id}:${n.state === 'follower' ? `follows ${n.leaderId}` : n.state}`).join(' ');
        ok &&= alone === HOSTS;
        lines.push(`  ${alone === HOSTS ? 'OK  ' : 'FAIL'}  multibully multicast mode (--address ${MCAST_GROUP}): ${alone} of ${HOSTS} nodes lead alone  [${states}]`);
      } finally {
        await stopNodes(nodes);
      }
    }
    if (wantKeepalived) {
      fifoLines = [];
      const daemons = Array.from({ length: HOSTS }, (_, i) => startKeepalived(i, { unicast: false }));
      try {
        await waitUntil('keepalived instances up', () => [...Array(HOSTS).keys()].every((i) => kaState(i) !== undefined), WAIT_MS);
        await sleep(1_500);
        const masters = [...Array(HOSTS).keys()].filter((i) => kaState(i) === 'MASTER').length;
        ok &&= masters === HOSTS;
        lines.push(`  ${masters === HOSTS ? 'OK  ' : 'FAIL'}  keepalived multicast VRRP (224.0.0.18): ${masters} of ${HOSTS} instances MASTER alone  [${[...Array(HOSTS).keys()].map((i) => `h${i}:${kaState(i)}`).join(' ')}]`);
      } finally {
        await stopKeepalived(daemons);
      }
    }
    const dropped = multicastDropped() - before;
    lines.push(`  multicast datagrams dropped by the rules meanwhile: ${dropped}`);
    console.log('check: the LAN carries no multicast (nft on every host: input and eth0 egress drop 224.0.0.0/4, ff00::/8)');
    for (const line of lines) console.log(line);
    if (!ok || dropped === 0) throw new Error('the multicast drop does not work: the figures below would not be those of a LAN without multicast');
  }

  // ---- N participants (multibully only) ----
  async function scaleRun(n) {
    const perHost = Math.ceil(n / HOSTS);
    const slots = Array.from({ length: n }, (_, k) => ({ id: k + 1, host: k % HOSTS, port: PORT + Math.floor(k / HOSTS) }));
    const peers = slots.map((s) => ['--peer', `${addressOf(s.host)}:${s.port}`]).flat();
    console.log(`scale: N = ${n} multibully participants in peers mode over ${HOSTS} hosts (up to ${perHost} a host, ports ${PORT}..${PORT + perHost - 1}), heartbeat ${HEARTBEAT_MS} ms, ids 1..${n} (id ${n} on h${slots[n - 1].host})`);
    const icmpAtStart = icmpOut(slots[n - 1].host);
    const nodes = slots.map((s) => new Node(s.host, s.id, ['--address', String(s.port), ...peers]));
    try {
      const firstSpawn = Math.min(...nodes.map((x) => x.spawnedAt));
      const coldDeadline = Date.now() + 90_000;
      const agreedAt = await agreement(nodes, String(n), 90_000);
      const lastUp = Math.max(...nodes.map((x) => x.events[0].time));
      // Stable: an agreement that no leader/follower line undoes for 1 s.
      const roleLines = (after) => nodes.reduce((sum, x) => sum + x.events.filter((e) => e.time > after && (e.event === 'leader' || e.event === 'follower')).length, 0);
      let stableAt = agreedAt;
      for (;;) {
        await sleep(1_000);
        if (roleLines(stableAt) === 0 && nodes.every((x) => x.leaderId === String(n))) break;
        if (Date.now() > coldDeadline) throw new Error(`no agreement on ${n} that held for 1 s within 90 s`);
        stableAt = await agreement(nodes, String(n), Math.max(1, coldDeadline - Date.now()));
      }
      const coldLines = nodes.reduce((sum, x) => sum + x.events.filter((e) => e.event === 'leader' || e.event === 'follower').length, 0);
      console.log(`  cold start: spawn of the first process → all ${n} follow ${n}: ${(agreedAt - firstSpawn).toFixed(1)} ms the first time, ${(stableAt - firstSpawn).toFixed(1)} ms for good (no change in the 1 s after); last process up → agreement for good: ${(stableAt - lastUp).toFixed(1)} ms (the processes came up over ${(lastUp - Math.min(...nodes.map((x) => x.events[0].time))).toFixed(0)} ms); ${coldLines} leader/follower lines; h${slots[n - 1].host}: ${icmpDelta(icmpAtStart, icmpOut(slots[n - 1].host))}`);
      await sleep(Math.random() * HEARTBEAT_MS);
      const icmpBefore = icmpOut(slots[n - 1].host);
      const killedAt = now();
      nodes[n - 1].child.kill('SIGKILL');
      const next = nodes[n - 2];
      const leaderLine = await waitUntil(`"leader" line from node ${n - 1}`, () => next.events.find((e) => e.time >= killedAt && e.event === 'leader'), WAIT_MS);
      const survivorsAt = await agreement(nodes.slice(0, n - 1), String(n - 1), WAIT_MS);
      const candidate = next.events.find((e) => e.time >= killedAt && e.event === 'candidate');
      const failoverEvents = nodes.slice(0, n - 1).reduce((sum, x) => sum + x.events.filter((e) => e.time >= killedAt && (e.event === 'leader' || e.event === 'follower')).length, 0);
      const icmp = icmpDelta(icmpBefore, icmpOut(slots[n - 1].host));
      console.log(`  SIGKILL of id ${n} → ${n - 1}'s "leader" line: ${(leaderLine.time - killedAt).toFixed(1)} ms; all ${n - 1} survivors follow ${n - 1} at ${(survivorsAt - killedAt).toFixed(1)} ms${candidate ? ` (${detection(String(n - 1), candidate, killedAt)})` : ''}; ${failoverEvents} leader/follower lines (${n - 1} = each survivor once); h${slots[n - 1].host}: ${icmp}`);
    } finally {
      await stopNodes(nodes);
    }
  }

  // ---- the run ----
  const median = (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted.length === 0 ? NaN : sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  };
  const range = (v) => `${Math.min(...v).toFixed(1)} … ${Math.max(...v).toFixed(1)}, n=${v.length}`;
  try {
    buildLan();
    const clockSkewAtStart = now() - Date.now();
    const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
    console.log(`unicast peers benchmark: ${HOSTS} namespace hosts (10.77.200.1..${HOSTS}, one bridge), all multicast dropped on every host; heartbeat / advert ${HEARTBEAT_MS} ms; load average ${load()}`);
    if (wantOurs) console.log(`  multibully: ${CLI} --interface eth0 --address ${PORT} --id N --heartbeat ${HEARTBEAT_MS} ${peersOf5.join(' ')} --log-level warn`);
    if (wantKeepalived) {
      await startFifoReader();
      console.log(`  keepalived: ${keepalivedVersion()}; VRRPv3 advert_int ${HEARTBEAT_MS / 1000}, unicast_src_ip + unicast_peer (the other ${HOSTS - 1}), priorities ${PRIORITIES.join('/')} (h0..h4), time from its vrrp_notify_fifo (${fifoReaderNote})`);
    }
    console.log('');
    await multicastCheck();
    console.log('');

    if (SCALE_N !== undefined) {
      await scaleRun(SCALE_N);
    } else {
      const systems = [...(wantOurs ? [{ name: 'multibully', trial: ourTrial }] : []), ...(wantKeepalived ? [{ name: 'keepalived', trial: keepalivedTrial }] : [])];
      const results = Object.fromEntries(systems.map((s) => [s.name, []]));
      const firstClaims = Object.fromEntries(systems.map((s) => [s.name, []]));
      const cold = [];
      const coldLastUp = [];
      console.log(`SIGKILL of the leader's daemon (h4; its host stays up) → the new leader's transition, ${TRIALS} trials, systems interleaved:`);
      for (let n = 0; n < TRIALS && Date.now() < RUN_DEADLINE - 30_000; n++) {
        for (const system of systems) {
          const r = await system.trial();
          results[system.name].push(r.ms);
          firstClaims[system.name].push(r.firstAny);
          if (r.cold !== undefined) (cold.push(r.cold), coldLastUp.push(r.coldLastUp));
          console.log(`  ${system.name.padEnd(10)} trial ${n + 1}: ${r.ms.toFixed(1).padStart(7)} ms  (${r.note}${r.cold !== undefined ? `; cold start ${r.cold.toFixed(0)} ms` : ''})`);
        }
      }
      console.log('\nmedians (min … max):');
      for (const { name } of systems) console.log(`  SIGKILL → new leader  ${name.padEnd(10)} ${median(results[name]).toFixed(1).padStart(7)} ms   (${range(results[name])})`);
      for (const { name } of systems) console.log(`  SIGKILL → first leader/MASTER line of any survivor (interim ones included)  ${name.padEnd(10)} ${median(firstClaims[name]).toFixed(1).padStart(7)} ms   (${range(firstClaims[name])})`);
      if (cold.length > 0) {
        console.log(`  cold start, multibully: 5 processes spawned together → all follow 5: ${median(cold).toFixed(1)} ms (${range(cold)}); from the last process's first line: ${median(coldLastUp).toFixed(1)} ms (${range(coldLastUp)})`);
      }
      if (results.multibully && results.keepalived) {
        const ours = median(results.multibully);
        const theirs = median(results.keepalived);
        const ratio = ours / theirs;
        console.log(`  ratio multibully/keepalived = ${ratio.toFixed(2)}`);
        console.log(`\n${ratio <= GOAL_RATIO ? 'PASS' : 'MISS'}  SIGKILL failover median ≤ ${GOAL_RATIO}× keepalived unicast_peer  (${ours.toFixed(1)} ms vs ${GOAL_RATIO} × ${theirs.toFixed(1)} = ${(GOAL_RATIO * theirs).toFixed(1)} ms; ratio ${ratio.toFixed(2)}; issue 18 goal)`);
      }
    }
    const drift = now() - Date.now() - clockSkewAtStart;
    console.log(`\n(clock: performance.timeOrigin + now() moved ${drift.toFixed(1)} ms against Date.now() during the run, ${((Date.now() - START) / 1000).toFixed(0)} s; load average now ${load()})`);
  } catch (error) {
    console.error(`bench failed: ${error.message}`);
    process.exitCode = 1;
  } finally {
    killEverything();
    destroyAll();
    rmSync(work, { recursive: true, force: true });
  }
}
