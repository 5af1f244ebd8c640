// A minimal namespace LAN for the benchmark: a switch namespace with a bridge and one
// namespace per host (eth0, 10.77.200.<i+1>/24). Nothing is created in the root namespace;
// everything is removed on exit, including after Ctrl-C. A bench that was SIGKILLed cannot
// clean up, so every run first removes the namespaces of bench runs whose process is gone.
import { execFileSync, spawn } from 'node:child_process';

const children = new Set();
const namespaces = [];
/** `mbbench-<pid in base36>-<role>`: the pid says whose they are (test/lan's names never start so). */
const PREFIX = 'mbbench-';
const OWN_TAG = `${PREFIX}${process.pid.toString(36)}`;
const BENCH_NETNS = /^mbbench-([0-9a-z]+)-(sw|probe|h[0-9]+)$/;

function ip(args) {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 });
}

function processAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/** Removes bench namespaces (and their processes) left behind by bench runs that no longer exist. */
export function sweepLeftovers() {
  let listed;
  try {
    listed = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8', timeout: 10_000 });
  } catch {
    return [];
  }
  const removed = [];
  for (const netns of listed.split('\n').map((line) => line.trim().split(/\s+/)[0])) {
    const match = BENCH_NETNS.exec(netns ?? '');
    if (!match || processAlive(parseInt(match[1], 36))) continue;
    try {
      const pids = execFileSync('ip', ['netns', 'pids', netns], { encoding: 'utf8', timeout: 10_000 }).split('\n').filter(Boolean);
      for (const pid of pids) process.kill(Number(pid), 'SIGKILL');
      ip(['netns', 'del', netns]);
      removed.push(netns);
    } catch {
      // gone meanwhile, or another sweeper got it
    }
  }
  return removed;
}

export function netnsSupported() {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  const probe = `${OWN_TAG}-probe`;
  try {
    ip(['netns', 'add', probe]);
    ip(['netns', 'del', probe]);
    return true;
  } catch {
    return false;
  }
}

export function createBenchLan(hostCount) {
  const swept = sweepLeftovers();
  if (swept.length > 0) console.log(`removed ${swept.length} namespaces left by killed bench runs: ${swept.join(' ')}`);
  const tag = OWN_TAG;
  const sw = `${tag}-sw`;
  ip(['netns', 'add', sw]);
  namespaces.push(sw);
  ip(['-n', sw, 'link', 'add', 'br0', 'type', 'bridge', 'mcast_snooping', '0']);
  ip(['-n', sw, 'link', 'set', 'br0', 'up']);
  const hosts = [];
  for (let i = 0; i < hostCount; i++) {
    const netns = `${tag}-h${i}`;
    ip(['netns', 'add', netns]);
    namespaces.push(netns);
    const port = `h${i}`; // inside the switch namespace: no clash with anything outside
    ip(['-n', sw, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns]);
    ip(['-n', sw, 'link', 'set', port, 'master', 'br0', 'up']);
    ip(['-n', netns, 'link', 'set', 'lo', 'up']);
    ip(['-n', netns, 'addr', 'add', `10.77.200.${i + 1}/24`, 'dev', 'eth0']);
    ip(['-n', netns, 'link', 'set', 'eth0', 'up']);
    hosts.push({
      name: `h${i}`,
      iface: 'eth0',
      address: `10.77.200.${i + 1}`,
      spawnNode: (script, args, { env } = {}) => track(spawn('ip', ['netns', 'exec', netns, process.execPath, script, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } })),
    });
  }
  return hosts;
}

/** The same shape on this host's loopback, when namespaces are not available (no root). */
export function loopbackHosts(hostCount) {
  return Array.from({ length: hostCount }, (_, i) => ({
    name: `lo${i}`,
    iface: 'lo',
    address: '127.0.0.1',
    spawnNode: (script, args, { env } = {}) => track(spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } })),
  }));
}

function track(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

export function destroyAll() {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
  for (const netns of namespaces.splice(0).reverse()) {
    try {
      ip(['netns', 'del', netns]);
    } catch {
      // already gone
    }
  }
}

process.once('exit', destroyAll);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    destroyAll();
    process.exit(130);
  });
}
