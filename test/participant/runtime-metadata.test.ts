// setMetadata() at run time, end to end on a namespace LAN: a library leader replaces its
// metadata once started, and a CLI follower shows the new one. When the leader's NIC address
// changes it rejoins as a new identity with a new core: that core must carry the metadata in
// force ("two"), not the constructor's ("one").
import { resolve } from 'node:path';
import { expect, it } from 'vitest';
import { CliNode, testPort } from '../cli/cli-node';
import { describeOnLan } from '../lan';

describeOnLan('setMetadata() at run time', { hosts: 2, skipping: 'runtime metadata test' }, (lan) => {
  it('reaches the followers, and survives a new identity after the NIC address changed', async () => {
    const address = `239.77.0.11:${testPort()}`;
    const [leaderHost, followerHost] = [lan.hosts[0]!, lan.hosts[1]!];
    const leader = leaderHost.spawnNode(resolve(__dirname, 'fixtures/runtime-metadata.cjs'), [address, '9']);
    let leaderStderr = '';
    leader.stderr!.setEncoding('utf8').on('data', (chunk: string) => (leaderStderr += chunk));
    const follower = CliNode.onHost(followerHost, ['--interface', 'eth0', '--address', address, '--id', '1', '--heartbeat', '50'], 'follower');
    lan.killAfterAll(leader, follower);

    const sees = (leaderAddress: string) => (e: { event: string; leader: { id: string; address: string; metadata?: string } | null }) =>
      e.event === 'follower' && e.leader?.id === '9' && e.leader.address === leaderAddress && e.leader.metadata === 'two';
    await follower.waitFor(sees(leaderHost.eth0.ipv4), 10_000, `the follower to see metadata "two" from ${leaderHost.eth0.ipv4}`);

    // A new address on the leader's NIC: fault (no address), then a rejoin with a new identity.
    const moved = '10.77.1.99';
    await leaderHost.addrDel();
    expect((await leaderHost.exec(['ip', 'address', 'add', `${moved}/24`, 'dev', 'eth0'])).code).toBe(0);
    expect((await leaderHost.exec(['ip', 'route', 'replace', '224.0.0.0/4', 'dev', 'eth0'])).code).toBe(0);
    const after = await follower.waitFor((e) => e.event === 'follower' && e.leader?.address === moved, 10_000, `the follower to follow ${moved}; leader stderr: ${leaderStderr}`);
    expect(after.leader).toMatchObject({ id: '9', address: moved, metadata: 'two', metadataEncoding: 'utf8' });
  });
});
