import { afterEach, describe, expect, it } from 'vitest';
import { Follower, Leader, newParticipant, type SeedParticipant } from '../../lib/participant';
import { freshGroup, waitUntil } from './helpers';

const controllers: AbortController[] = [];
const loops: Promise<void>[] = [];
afterEach(async () => {
  for (const controller of controllers.splice(0)) controller.abort();
  await Promise.all(loops.splice(0));
});

describe('seed-compatible API (Go NewParticipant / StartElection / RunLoop)', () => {
  it('calls back with Leader on the highest pid and Follower with the leader IP on the others', async () => {
    const { address } = freshGroup();
    const calls = new Map<number, Array<[number, string]>>();
    const make = (pid: number): SeedParticipant => {
      calls.set(pid, []);
      return newParticipant(address, 'lo', pid, (state, ip) => calls.get(pid)!.push([state, ip]));
    };
    const nodes = [make(100), make(200)];
    for (const node of nodes) {
      const stop = new AbortController();
      controllers.push(stop);
      void node.startElection();
      loops.push(node.runLoop(stop.signal));
    }
    await waitUntil(() => calls.get(200)!.length > 0 && calls.get(100)!.some(([s]) => s === Follower), 10_000, 'callbacks');
    expect(calls.get(200)!.at(-1)).toEqual([Leader, '127.0.0.1']);
    expect(calls.get(100)!.at(-1)).toEqual([Follower, '127.0.0.1']);
    expect(Leader).not.toBe(Follower);
  });

  it('runLoop resolves after its stop signal, having stopped the participant', async () => {
    const { address } = freshGroup();
    const node = newParticipant(address, 'lo', 1, () => {});
    const stop = new AbortController();
    const loop = node.runLoop(stop.signal);
    await waitUntil(() => node.participant.state === 'leader', 10_000, 'leadership');
    stop.abort();
    await loop;
    expect(node.participant.state).toBe('stopped');
  });

  it('validates its arguments like the Go constructor', () => {
    expect(() => newParticipant('239.1.1.1:9', 'lo', -1, () => {})).toThrow(RangeError);
    expect(() => newParticipant('239.1.1.1:9', 'no-such-nic0', 1, () => {})).toThrow(/no-such-nic0/);
    expect(() => newParticipant('239.1.1.1:9', 'lo', 1, undefined as never)).toThrow(/callback/);
  });
});
