// What users of leader-election libraries expect besides events: isLeader, waitForLeader(),
// `await using`, setMetadata() at run time, a clear start() after stop(), JSON of the leader.
import { afterEach, describe, expect, it } from 'vitest';
import { Participant } from '../../lib/participant';
import { agreeOn, freshGroup, participants, waitUntil } from './helpers';

const CONVERGE_MS = 5_000;
let cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

function track<T extends Participant | Participant[]>(nodes: T): T {
  const list = Array.isArray(nodes) ? nodes : [nodes];
  cleanup.push(() => Promise.all(list.map((node) => node.stop())));
  return nodes;
}

const text = (bytes: Uint8Array | undefined): string | undefined => (bytes === undefined ? undefined : Buffer.from(bytes).toString('utf8'));

describe('isLeader', () => {
  it('is true on the leader only, false before start and after stop', async () => {
    const { address, cluster } = freshGroup();
    const [low, high] = track(participants([1, 2], { address, cluster }));
    expect(high!.isLeader).toBe(false);
    for (const node of [low!, high!]) await node.start();
    await waitUntil(() => agreeOn([low!, high!], 2n), CONVERGE_MS, 'agreement on 2');
    expect(high!.isLeader).toBe(true);
    expect(low!.isLeader).toBe(false);
    await high!.stop();
    expect(high!.isLeader).toBe(false);
  });
});

describe('waitForLeader()', () => {
  it('resolves with the leader a follower follows, and at once when one is known', async () => {
    const { address, cluster } = freshGroup();
    const [low, high] = track(participants([1, 2], { address, cluster, metadata: 'http://10.0.0.2:8080' }));
    const waiting = low!.waitForLeader();
    for (const node of [high!, low!]) await node.start();
    const leader = await waiting;
    expect(leader.id).toBe(2n);
    expect(text(leader.metadata)).toBe('http://10.0.0.2:8080');
    await waitUntil(() => agreeOn([low!, high!], 2n), CONVERGE_MS, 'agreement on 2');
    await expect(low!.waitForLeader()).resolves.toMatchObject({ id: 2n, address: '127.0.0.1' });
    // The leader waits for nobody: it is its own leader.
    await expect(high!.waitForLeader()).resolves.toMatchObject({ id: 2n });
    // The waiting promise left no listener behind.
    expect(low!.listenerCount('follower')).toBe(0);
    expect(low!.listenerCount('leader')).toBe(0);
  });

  it("rejects with the signal's reason, and leaves no listener behind", async () => {
    const { address, cluster } = freshGroup();
    const node = track(new Participant({ address, cluster, interface: 'lo', id: 1 }));
    const error = await node.waitForLeader({ signal: AbortSignal.timeout(30) }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'TimeoutError' });
    expect(node.listenerCount('leader') + node.listenerCount('follower')).toBe(0);
    const reason = new Error('given up');
    await expect(node.waitForLeader({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });

  it('rejects with ERR_MULTIBULLY_CLOSED when stop() comes first, even before start()', async () => {
    const { address, cluster } = freshGroup();
    const node = new Participant({ address, cluster, interface: 'lo', id: 1 });
    const waiting = node.waitForLeader();
    await node.stop();
    await expect(waiting).rejects.toMatchObject({ code: 'ERR_MULTIBULLY_CLOSED', message: expect.stringMatching(/stopped before it knew a leader/) });
    await expect(node.waitForLeader()).rejects.toMatchObject({ code: 'ERR_MULTIBULLY_CLOSED' });
  });

  it('refuses bad options', () => {
    const { address, cluster } = freshGroup();
    const node = new Participant({ address, cluster, interface: 'lo', id: 1 });
    expect(() => node.waitForLeader({ signal: 'soon' } as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE', message: 'signal must be an AbortSignal' }));
    expect(() => node.waitForLeader({ timeoutMs: 5 } as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE', message: 'unknown option "timeoutMs"' }));
  });
});

describe('Symbol.asyncDispose', () => {
  it('stops the participant at the end of an `await using` scope (the leader resigns)', async () => {
    const { address, cluster } = freshGroup();
    const follower = track(new Participant({ address, cluster, interface: 'lo', id: 1, heartbeatMs: 50, misses: 20 }));
    await follower.start();
    let disposed: Participant | undefined;
    {
      const leader = new Participant({ address, cluster, interface: 'lo', id: 2, heartbeatMs: 50 });
      disposed = leader;
      await leader.start();
      await waitUntil(() => agreeOn([follower, leader], 2n), CONVERGE_MS, 'agreement on 2');
      await leader[Symbol.asyncDispose]();
    }
    expect(disposed.state).toBe('stopped');
    // A RESIGN, not a 20-heartbeat timeout, made the follower take over.
    const tookMs = await waitUntil(() => follower.state === 'leader', CONVERGE_MS, 'the follower to lead');
    expect(tookMs).toBeLessThan(20 * 50);
  });
});

describe('setMetadata()', () => {
  it("changes what the leader's heartbeats carry: at once for the leader, from the next heartbeat for followers", async () => {
    const { address, cluster } = freshGroup();
    const [low, high] = track(participants([1, 2], { address, cluster, metadata: 'one' }));
    for (const node of [low!, high!]) await node.start();
    await waitUntil(() => agreeOn([low!, high!], 2n) && text(low!.leader?.metadata) === 'one', CONVERGE_MS, "the follower to see 'one'");
    high!.setMetadata('two');
    expect(text(high!.leader?.metadata)).toBe('two');
    await waitUntil(() => text(low!.leader?.metadata) === 'two', 1_000, "the follower to see 'two'");
    high!.setMetadata(Uint8Array.of(0xff, 0));
    await waitUntil(() => low!.leader?.metadata?.[0] === 0xff, 1_000, 'the follower to see the bytes');
    high!.setMetadata(undefined);
    expect(high!.leader?.metadata).toBeUndefined();
    await waitUntil(() => low!.leader !== undefined && low!.leader.metadata === undefined, 1_000, 'the follower to see no metadata');
  });

  it('takes effect on a node that is not leading yet, when it takes office', async () => {
    const { address, cluster } = freshGroup();
    const [low, high] = track(participants([1, 2], { address, cluster }));
    high!.setMetadata('set before start');
    for (const node of [low!, high!]) await node.start();
    await waitUntil(() => text(low!.leader?.metadata) === 'set before start', CONVERGE_MS, 'the follower to see the metadata');
  });

  it('refuses what the wire cannot carry, with the option rules', () => {
    const { address, cluster } = freshGroup();
    const node = new Participant({ address, cluster, interface: 'lo', id: 1 });
    expect(() => node.setMetadata(42 as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE', message: expect.stringMatching(/^metadata must be a string or a Uint8Array/) }));
    expect(() => node.setMetadata('x'.repeat(513))).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE', message: expect.stringMatching(/^metadata/) }));
    const go = new Participant({ address: `239.77.0.42:${freshGroup().port}`, interface: 'lo', id: 1, wire: 'go' });
    expect(() => go.setMetadata('x')).toThrow(expect.objectContaining({ code: 'ERR_MULTIBULLY_GO_INCOMPATIBLE', message: "setMetadata() is not available with wire 'go': the Go format has no metadata" }));
  });
});

describe('start() after stop()', () => {
  it('says that a stopped participant is not restarted and what to do instead', async () => {
    const { address, cluster } = freshGroup();
    const node = new Participant({ address, cluster, interface: 'lo', id: 1 });
    await node.start();
    await node.stop();
    await expect(node.start()).rejects.toMatchObject({
      code: 'ERR_MULTIBULLY_STARTED',
      message: 'participant cannot start: it was stopped (by stop() or its signal); create a new Participant to take part again',
    });
    const running = track(new Participant({ address, cluster, interface: 'lo', id: 2 }));
    await running.start();
    await expect(running.start()).rejects.toMatchObject({ code: 'ERR_MULTIBULLY_STARTED', message: 'participant cannot start: it is already running' });
  });
});

describe('JSON of the leader', () => {
  it('JSON.stringify(participant.leader) gives the id as text and the metadata with its encoding', async () => {
    const { address, cluster } = freshGroup();
    const [low, high] = track(participants([1, 18446744073709551615n as never], { address, cluster, metadata: 'http://10.0.0.9/' }));
    for (const node of [low!, high!]) await node.start();
    await waitUntil(() => agreeOn([low!, high!], 18446744073709551615n), CONVERGE_MS, 'agreement on 2^64-1');
    expect(JSON.parse(JSON.stringify(low!.leader))).toEqual({ id: '18446744073709551615', address: '127.0.0.1', metadata: 'http://10.0.0.9/', metadataEncoding: 'utf8' });
    // Still a plain { id, address, metadata } to read and compare.
    expect(Object.keys(low!.leader!)).toEqual(['id', 'address', 'metadata']);
    high!.setMetadata(Uint8Array.of(0xc3, 0x28));
    expect(JSON.parse(JSON.stringify(high!.leader))).toEqual({ id: '18446744073709551615', address: '127.0.0.1', metadata: 'wyg=', metadataEncoding: 'base64' });
    high!.setMetadata(undefined);
    expect(JSON.stringify({ leader: high!.leader })).toBe('{"leader":{"id":"18446744073709551615","address":"127.0.0.1"}}');
  });
});
