// A minimal namespace LAN for the benchmark: a switch namespace with a bridge and one
// namespace per host (eth0, 10.77.200.<i+1>/24). Nothing is created in the root namespace;
// everything is removed on exit, including after Ctrl-C.
import { execFileSync, spawn } from 'node:child_process';

const children = new Set();
const namespaces = [];

function ip(args) {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 });
}

export function netnsSupported() {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  const probe = `mbb${process.pid.toString(36)}p`;
  try {
    ip(['netns', 'add', probe]);
    ip(['netns', 'del', probe]);
    return true;
  } catch {
    return false;
  }
}

export function createBenchLan(hostCount) {
  const tag = `mbb${process.pid.toString(36)}`;
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
    const port = `${tag}p${i}`;
    ip(['-n', sw, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns]);
    ip(['-n', sw, 'link', 'set', port, 'master', 'br0', 'up']);
    ip(['-n', netns, 'link', 'set', 'lo', 'up']);
    ip(['-n', netns, 'addr', 'add', `10.77.200.${i + 1}/24`, 'dev', 'eth0']);
    ip(['-n', netns, 'link', 'set', 'eth0', 'up']);
    hosts.push({
      name: `h${i}`,
      iface: 'eth0',
      address: `10.77.200.${i + 1}`,
      spawnNode: (script, args) => track(spawn('ip', ['netns', 'exec', netns, process.execPath, script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })),
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
    spawnNode: (script, args) => track(spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })),
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
