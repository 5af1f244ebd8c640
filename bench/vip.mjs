// Floating-IP benchmark: multibully `--vip` against keepalived's virtual_ipaddress, in the same
// run, on the same namespace LAN (3 node hosts + 1 client host, bench/netns.mjs).
//
// Each node host runs a UDP responder that answers with its host name. The client host sends a
// request to the VIP every 5 ms. Once h2 (highest id/priority) alone holds the VIP and answers,
// it is stopped and we measure the client-visible downtime: from the signal to the first reply
// from the new holder (any other host; h1 normally).
//   SIGKILL:   the holder's processes crash while its host stays up: its election daemon and
//              its responder are SIGKILLed and its copy of the VIP is deleted (both systems
//              alike). multibully's followers next in line notice at once: the host answers
//              their probe of the dead leader's port with ICMP port unreachable.
//   SIGTERM:   a clean stop of the election daemon only (multibully removes the VIP and
//              resigns; keepalived sends a priority-0 advert and removes it).
//   host-loss: the holder's link goes down, then its processes are SIGKILLed: nothing answers,
//              so both systems wait out their leader timeout (keepalived's Master_Down_Interval).
// multibully: dist/cli/main.js --heartbeat 50 --vip …   keepalived: VRRPv3, advert_int 0.05,
// priorities 100/150/200, multicast VRRP inside the namespaces only.
// Goal (issue 9): SIGKILL median ≤ 0.9 × keepalived's. Exit status 1 on MISS.
// Bounded: TRIALS per case, every wait has a timeout, the run has a deadline, the client stops
// by itself after a bounded count and time. keepalived comes from Debian's package (installed
// with apt-get when missing); its pid and config files live under a private /tmp directory.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import dgram from 'node:dgram';

const SELF = fileURLToPath(import.meta.url);
const CLI = resolve(dirname(SELF), '../dist/cli/main.js');
// CLOCK_MONOTONIC in ms: one clock for this process and the client (performance.now() has a
// per-process origin, and Date.now() can be slewed).
const mono = () => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- child roles (run inside a namespace via `node bench/vip.mjs <role> …`) -----------------

if (process.argv[2] === 'responder') {
  const [name, port] = process.argv.slice(3);
  const socket = dgram.createSocket('udp4');
  socket.on('message', (_data, from) => socket.send(name, from.port, from.address));
  socket.bind(Number(port), () => process.stdout.write('ready\n'));
} else if (process.argv[2] === 'client') {
  // Sends to address:port every interval ms; prints "<wall ms> <name>" per reply; stops by itself.
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
} else {
  const { createBenchLan, destroyAll, netnsSupported } = await import('./netns.mjs');
  main(createBenchLan, destroyAll, netnsSupported);
}

// ---- the bench ------------------------------------------------------------------------------

async function main(createBenchLan, destroyAll, netnsSupported) {
  const TRIALS = Number(process.env.TRIALS ?? 5);
  const HEARTBEAT_MS = 50;
  // Optional: MISSES=2 runs our nodes with --misses 2 (tolerates 1 lost heartbeat; keepalived's
  // Master_Down_Interval tolerates 2 lost adverts). Default: the CLI's default (3).
  const MISSES = process.env.MISSES === undefined ? undefined : Number(process.env.MISSES);
  const VIP = '10.77.200.100';
  const PREFIX = 24;
  const PORT = 7000;
  const GROUP = `239.77.200.1:${20_000 + Math.floor(Math.random() * 40_000)}`;
  const REQUEST_INTERVAL_MS = 5;
  const RUN_DEADLINE = Date.now() + 300_000;
  const WAIT_MS = 15_000;
  const GOAL_RATIO = 0.9;
  const nsOf = (i) => `mbbench-${process.pid.toString(36)}-h${i}`; // bench/netns.mjs's names
  const children = new Set();
  const strayPids = new Set();
  const work = mkdtempSync(join(tmpdir(), 'mb-vip-bench-'));

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

  function ensureKeepalived() {
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

  function keepalivedVersion() {
    try {
      return execFileSync('keepalived', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 }).split('\n')[0] ||
        execFileSync('sh', ['-c', 'keepalived --version 2>&1'], { encoding: 'utf8', timeout: 10_000 }).split('\n')[0];
    } catch (error) {
      return String(error.stderr ?? '').split('\n')[0];
    }
  }

  // ---- the two systems under test ----

  const ours = {
    name: 'multibully',
    start(i) {
      const args = [CLI, '--interface', 'eth0', '--address', GROUP, '--id', String(i + 1), '--cluster', 'bench-vip', '--heartbeat', String(HEARTBEAT_MS), '--vip', `${VIP}/${PREFIX}`];
      if (MISSES !== undefined) args.push('--misses', String(MISSES));
      const child = spawnIn(i, process.execPath, args);
      child.events = [];
      let partial = '';
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk) => {
        const parts = (partial + chunk).split('\n');
        partial = parts.pop();
        for (const line of parts) if (line.startsWith('{')) child.events.push(JSON.parse(line));
      });
      return { pids: () => [child.pid], stop: (signal) => child.kill(signal), exited: child.exited, child };
    },
  };

  const PRIORITIES = [100, 150, 200];
  let keepalivedRuns = 0;
  const keepalived = {
    name: 'keepalived',
    start(i) {
      // A fresh directory per start: keepalived refuses to start over a previous run's pid files.
      const dir = join(work, `run${++keepalivedRuns}-h${i}`);
      execFileSync('mkdir', ['-p', dir]);
      const config = join(dir, 'keepalived.conf');
      writeFileSync(
        config,
        `global_defs {
  router_id mbbench_h${i}
  vrrp_version 3
  vrrp_garp_master_repeat 5
  vrrp_garp_master_delay 0
}
vrrp_instance VI_BENCH {
  state BACKUP
  interface eth0
  virtual_router_id 77
  priority ${PRIORITIES[i]}
  advert_int 0.05
  virtual_ipaddress {
    ${VIP}/${PREFIX} dev eth0
  }
}
`,
      );
      const before = new Set(pidsIn(i));
      const child = spawnIn(i, 'keepalived', ['--dont-fork', '--log-console', '--log-detail', '--vrrp', '-f', config, '-p', join(dir, 'keepalived.pid'), '-r', join(dir, 'vrrp.pid')]);
      child.stdout.setEncoding('utf8');
      child.stdoutText = '';
      child.stdout.on('data', (c) => (child.stdoutText = (child.stdoutText + c).slice(-3000)));
      // keepalived's VRRP child process: whatever appears in the namespace besides what was there.
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
  };

  // ---- hosts, responders, client ----

  if (!netnsSupported()) {
    console.log('bench:vip needs root and network namespaces (it adds addresses and sends ARP only inside its own namespaces): skipped');
    process.exitCode = 1;
    return;
  }
  if (!existsSync(CLI) || !readFileSync(resolve(dirname(CLI), 'usage.js'), 'utf8').includes('--vip')) {
    console.log(`bench:vip: ${CLI} has no --vip: run \`npm run build:ts\` first`);
    process.exitCode = 1;
    return;
  }
  ensureKeepalived();

  let client;
  try {
    createBenchLan(4); // h0..h2 nodes, h3 client
    for (let i = 0; i < 4; i++) {
      if (!ipn(i, ['link', 'show', 'eth0'], false)) throw new Error(`namespace ${nsOf(i)} is missing: bench/netns.mjs naming changed?`);
    }
    const responders = [];
    const startResponder = async (i) => {
      const child = spawnIn(i, process.execPath, [SELF, 'responder', `h${i}`, String(PORT)]);
      await new Promise((ready, fail) => {
        const timer = setTimeout(() => fail(new Error(`responder h${i} did not start`)), WAIT_MS);
        child.stdout.on('data', (c) => String(c).includes('ready') && (clearTimeout(timer), ready()));
      });
      responders[i] = child;
    };
    for (let i = 0; i < 3; i++) await startResponder(i);

    const replies = []; // [wall ms, name]
    client = spawnIn(3, process.execPath, [SELF, 'client', VIP, String(PORT), String(REQUEST_INTERVAL_MS), String(Math.ceil(400_000 / REQUEST_INTERVAL_MS)), '400000']);
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

    const waitForReply = async (pred, timeoutMs, what) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = replies.find(pred);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms`);
        await sleep(2);
      }
    };
    const vipHolders = () =>
      [0, 1, 2].filter((i) => {
        try {
          return execFileSync('ip', ['-n', nsOf(i), '-o', 'addr', 'show', 'dev', 'eth0'], { encoding: 'utf8', timeout: 10_000 }).includes(`${VIP}/`);
        } catch {
          return false;
        }
      });
    /**
     * The steady state both systems converge to (preemption on): h2, the highest id/priority,
     * alone has the VIP, and the client's last `count` replies (after `since`) all came from it.
     * Resolves with the holder's index.
     */
    const waitSteady = async (since, count, timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const recent = replies.filter(([t]) => t >= since).slice(-count);
        if (recent.length === count && recent.every(([, n]) => n === 'h2')) {
          const holders = vipHolders();
          if (holders.length === 1 && holders[0] === 2) return 2;
        }
        await sleep(10);
      }
      const last = replies.filter(([t]) => t >= since).slice(-count).map(([, n]) => n);
      let neigh = '';
      try {
        neigh = execFileSync('ip', ['-n', nsOf(3), 'neigh', 'show', VIP], { encoding: 'utf8', timeout: 10_000 }).trim();
      } catch {
        // diagnostics only
      }
      throw new Error(`no steady holder within ${timeoutMs} ms ` +
        `(last replies: ${last.join(',') || 'none'}; VIP on: ${vipHolders().map((i) => `h${i}`).join(',') || 'nobody'}; client's neighbour entry: ${neigh || 'none'})`);
    };
    const clearVips = () => {
      for (let i = 0; i < 3; i++) ipn(i, ['addr', 'del', `${VIP}/${PREFIX}`, 'dev', 'eth0'], false);
    };

    async function trial(system, signal) {
      clearVips();
      const daemons = [0, 1, 2].map((i) => system.start(i));
      try {
        const startedAt = mono();
        const k = await waitSteady(startedAt, 20, WAIT_MS);
        await sleep(200 + Math.random() * HEARTBEAT_MS); // a random phase within the heartbeat cycle
        const holderPids = daemons[k].pids();
        const stoppedAt = mono();
        const wallAtStop = Date.now(); // the CLI's lines carry Date.now() times
        if (signal === 'host-loss') {
          // The holder's host goes silent (link down), then its processes die: no ICMP from it,
          // so this is the leader-timeout path for both systems.
          ipn(k, ['link', 'set', 'eth0', 'down']);
          daemons[k].stop('SIGKILL');
          responders[k].kill('SIGKILL');
        } else if (signal === 'SIGKILL') {
          daemons[k].stop('SIGKILL');
          responders[k].kill('SIGKILL');
          ipn(k, ['addr', 'del', `${VIP}/${PREFIX}`, 'dev', 'eth0'], false);
        } else {
          daemons[k].stop('SIGTERM');
        }
        // The new holder is whichever survivor answers first (h1 normally: the next id/priority).
        const [t, holder] = await waitForReply(([time, name]) => time > stoppedAt && name !== `h${k}`, WAIT_MS, `reply from a new holder after ${signal} (${system.name})`);
        // Afterwards: does the VIP move on (a preempting higher node taking over from an interim
        // holder), or do two hosts answer interleaved (two holders at once)?
        await sleep(150);
        const after = replies.filter(([time]) => time > t).map(([, name]) => name);
        const others = after.filter((name) => name !== holder).length;
        const lastOther = after.findLastIndex((name) => name !== holder);
        const interleaved = lastOther >= 0 && after.slice(0, lastOther).some((name, i) => i > 0 && name !== after[i - 1] && name === holder);
        const note = others === 0 ? '' : interleaved ? `  (then ${others} replies from another host, interleaved: two holders!)` : `  (then moved on to ${after[lastOther]})`;
        // Where multibully's time goes: h1's leader timeout ('candidate' line), then taking office.
        let breakdown = '';
        const events = daemons[Number(holder.slice(1))].child.events;
        if (events) {
          const candidate = events.find((e) => e.time >= wallAtStop && e.event === 'candidate');
          const leader = events.find((e) => e.time >= wallAtStop && e.event === 'leader');
          if (leader) {
            const office = leader.time - wallAtStop;
            // Approximate (the CLI's clock is not this one): where the time goes.
            breakdown = `  (≈ ${candidate ? `${holder}'s leader timeout at ${(candidate.time - wallAtStop).toFixed(0)} ms, ` : ''}office at ${office.toFixed(0)} ms)`;
          }
        }
        return { downtime: t - stoppedAt, strays: interleaved ? others : 0, holder: `h${k}→${holder}`, holderPids, breakdown: breakdown + note };
      } catch (error) {
        const stderr = daemons.map((d, i) => `h${i}: ${(d.child.stderrText || d.child.stdoutText || '').trim().slice(-400)}`).join(' | ');
        throw new Error(`${error.message}; ${stderr}`);
      } finally {
        for (const d of daemons) for (const pid of d.pids()) killPid(pid);
        for (const d of daemons) d.child.kill('SIGKILL');
        await Promise.all(daemons.map((d) => Promise.race([d.exited, sleep(5_000)])));
        // keepalived's VRRP children, if any survived their parent.
        for (const d of daemons) for (const pid of d.pids()) killPid(pid);
        if (signal === 'host-loss') for (let i = 0; i < 3; i++) ipn(i, ['link', 'set', 'eth0', 'up'], false);
        for (let i = 0; i < 3; i++) if (responders[i].exitCode !== null || responders[i].signalCode !== null) await startResponder(i);
        clearVips();
      }
    }

    console.log(`VIP failover benchmark: 3 node hosts + 1 client host on a namespace LAN; client request every ${REQUEST_INTERVAL_MS} ms to ${VIP}:${PORT}`);
    console.log(`  multibully: ${CLI} --heartbeat ${HEARTBEAT_MS} --vip ${VIP}/${PREFIX} ${MISSES === undefined ? ' (default --misses 3)' : ` --misses ${MISSES}`}`);
    console.log(`  keepalived: ${keepalivedVersion()}; VRRPv3 advert_int ${HEARTBEAT_MS / 1000}, priorities ${PRIORITIES.join('/')}`);
    console.log(`  ${TRIALS} trials per case, systems interleaved; downtime = signal to holder → first reply from the new holder\n`);

    const CASES = ['SIGKILL', 'SIGTERM', 'host-loss'];
    const results = Object.fromEntries(['multibully', 'keepalived'].map((name) => [name, Object.fromEntries(CASES.map((c) => [c, []]))]));
    let strays = 0;
    for (const signal of CASES) {
      for (let n = 0; n < TRIALS && Date.now() < RUN_DEADLINE; n++) {
        for (const system of [ours, keepalived]) {
          const r = await trial(system, signal);
          results[system.name][signal].push(r.downtime);
          strays += r.strays;
          console.log(`  ${system.name.padEnd(10)} ${signal}  trial ${n + 1}: ${r.downtime.toFixed(1).padStart(7)} ms  ${r.holder}${r.breakdown}`);
        }
      }
    }

    const median = (values) => {
      const sorted = [...values].sort((a, b) => a - b);
      return sorted.length === 0 ? NaN : sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    };
    const fmt = (ms) => `${ms.toFixed(1)} ms`.padStart(10);
    console.log('\nmedians (min … max):');
    for (const signal of CASES) {
      for (const name of ['multibully', 'keepalived']) {
        const v = results[name][signal];
        console.log(`  ${signal} ${name.padEnd(10)} ${fmt(median(v))}   (${Math.min(...v).toFixed(1)} … ${Math.max(...v).toFixed(1)}, n=${v.length})`);
      }
      console.log(`  ${signal} ratio multibully/keepalived = ${(median(results.multibully[signal]) / median(results.keepalived[signal])).toFixed(2)}`);
    }
    const ratio = median(results.multibully.SIGKILL) / median(results.keepalived.SIGKILL);
    const pass = ratio <= GOAL_RATIO && strays === 0;
    console.log(`\n${pass ? 'PASS' : 'MISS'}  SIGKILL downtime median ratio ${ratio.toFixed(2)} ≤ ${GOAL_RATIO} (issue 9 goal)${strays ? `; ${strays} replies from a second, simultaneous holder` : ''}`);
    if (!pass) process.exitCode = 1;
  } catch (error) {
    console.error(`bench failed: ${error.message}`);
    process.exitCode = 1;
  } finally {
    client?.kill('SIGKILL');
    killEverything();
    destroyAll();
    rmSync(work, { recursive: true, force: true });
  }
}
