// Shared helpers for in-process Participant tests on the loopback interface.
import { randomBytes, randomInt } from 'node:crypto';
import { Participant, type ParticipantOptions } from '../../lib/participant';

export const GROUP = '239.77.0.42';

/** A fresh port and cluster per test so tests never hear each other. */
export function freshGroup(): { address: string; cluster: string; port: number } {
  const port = randomInt(20_000, 60_000);
  return { address: `${GROUP}:${port}`, cluster: `t-${randomBytes(4).toString('hex')}`, port };
}

export function participants(ids: readonly number[], common: Partial<ParticipantOptions> & { address: string }): Participant[] {
  return ids.map((id) => new Participant({ interface: 'lo', heartbeatMs: 50, ...common, id }));
}

export async function waitUntil(condition: () => boolean, timeoutMs: number, what: string): Promise<number> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 5));
  }
  return Date.now() - started;
}

export function agreeOn(nodes: readonly Participant[], id: bigint): boolean {
  return nodes.every((node) => node.leader?.id === id && (node.state === 'leader' || node.state === 'follower'));
}
