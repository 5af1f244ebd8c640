// One process with one Participant per NIC on a two-NIC namespace host: two separate elections.
import { resolve } from 'node:path';
import { expect, it } from 'vitest';
import { collectLines, describeOnLan } from '../lan';
import { CliNode, testPort, waitForAgreement } from '../cli/cli-node';

describeOnLan('one process, one Participant per NIC', { hosts: 3, lanB: [0, 2], skipping: 'multi-NIC participant test' }, (lan) => {
  it('runs two elections that never hear each other', async () => {
    const address = `239.77.0.9:${testPort()}`;
    const [multi, onlyA, alsoB] = [lan.hosts[0]!, lan.hosts[1]!, lan.hosts[2]!];
    const both = multi.spawnNode(resolve(__dirname, 'fixtures/two-nics.cjs'), [address, '1', '100', '20']);
    const lines = collectLines(both);
    const cli = (host: typeof multi, dev: string, id: number) =>
      CliNode.onHost(host, ['--interface', dev, '--address', address, '--id', String(id), '--heartbeat', '100'], `${host.name}-${dev}`);
    const nodeA = cli(onlyA, 'eth0', 50);
    const nodeB = cli(alsoB, 'eth1', 5);
    try {
      // LAN A: the CLI (50) outranks the eth0 participant (1). LAN B: the eth1 participant (100) leads.
      await lines.waitFor((l) => l === JSON.stringify({ nic: 'eth0', leader: '50', address: onlyA.eth0.ipv4 }), 10_000);
      await lines.waitFor((l) => l === JSON.stringify({ nic: 'eth1', leader: '100', address: multi.eth1!.ipv4 }), 10_000);
      await waitForAgreement([nodeB], '100', 10_000);
      await waitForAgreement([nodeA], '50', 10_000);
      expect(nodeA.events.some((e) => e.leader?.id === '100')).toBe(false);
      const eth0Leaders = lines.lines.map((l) => JSON.parse(l) as { nic: string; leader: string }).filter((l) => l.nic === 'eth0').map((l) => l.leader);
      expect(eth0Leaders).not.toContain('100');
      expect(eth0Leaders).not.toContain('5');
    } finally {
      both.kill('SIGKILL');
      nodeA.kill('SIGKILL');
      nodeB.kill('SIGKILL');
      await Promise.all([nodeA.exited, nodeB.exited]);
    }
  });
});
