// Small helpers shared by the socket tests.
import { MulticastSocket, listInterfaces, type Datagram } from '../../lib/socket';

export function loIndex(): number {
  const lo = listInterfaces().find((i) => i.flags.loopback);
  if (!lo) throw new Error('no loopback interface');
  return lo.index;
}

/** A random group in 239.77.0.0/16 and a random high port, so parallel runs do not collide. */
export function randomGroupAndPort(): { group: string; port: number } {
  const a = Math.floor(Math.random() * 250) + 1;
  const b = Math.floor(Math.random() * 250) + 1;
  return { group: `239.77.${a}.${b}`, port: 20_000 + Math.floor(Math.random() * 30_000) };
}

/** Collects every datagram a socket receives. */
export function collect(socket: MulticastSocket): Datagram[] {
  const received: Datagram[] = [];
  socket.on('message', (d) => received.push(d));
  return received;
}

/** Resolves once predicate() holds, polling; rejects after timeoutMs. */
export async function waitUntil(predicate: () => boolean, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A bound IPv4 socket joined to group on lo, sending out of lo. */
export function loSocket(group: string, port: number, options: { maxDatagramSize?: number } = {}): MulticastSocket {
  const socket = new MulticastSocket({ family: 4, ...options });
  socket.bind(port);
  socket.join(group, 'lo');
  socket.setMulticastInterface('lo');
  return socket;
}
