// The Go MultiBully library's own example hard-codes the group 224.0.0.0:9999. A `--wire go` CLI
// accepts it (with a warning) and elects with Go nodes on it: here the byte-exact Go stand-in
// (fixtures/go-node.cjs) and two CLI hosts, in namespaces (the group is never used outside them).
import { resolve } from 'node:path';
import { expect, it } from 'vitest';
import { collectLines, describeOnLan } from '../lan';
import { CliNode, waitForAgreement } from './cli-node';

const GO_GROUP = '224.0.0.0';
const GO_PORT = 9999;
const CONVERGE_MS = 10_000;

describeOnLan('--wire go on the Go example group 224.0.0.0:9999', { hosts: 3, skipping: 'the Go example group test' }, (lan) => {
  it('follows a Go node on 224.0.0.0:9999, then elects among the CLI nodes in the Go format when it falls silent', async () => {
    const goHost = lan.hosts[0]!;
    const sendSeconds = 3;
    const goNode = goHost.spawnNode(resolve(__dirname, 'fixtures/go-node.cjs'), [GO_GROUP, String(GO_PORT), goHost.eth0.ipv4, '900', String(sendSeconds), '30']);
    const heard = collectLines(goNode);
    try {
      await heard.waitFor((l) => (JSON.parse(l) as { ready?: boolean }).ready === true, 10_000);
      const args = (id: number) => ['--interface', 'eth0', '--address', `${GO_GROUP}:${GO_PORT}`, '--id', String(id), '--wire', 'go'];
      const nodes = [CliNode.onHost(lan.hosts[1]!, args(5), 'cli-5'), CliNode.onHost(lan.hosts[2]!, args(7), 'cli-7')];
      lan.killAfterAll(...nodes);
      await waitForAgreement(nodes, '900', CONVERGE_MS);
      expect(nodes[0]!.lastTransition()!.leader).toEqual({ id: '900', address: goHost.eth0.ipv4 });
      for (const node of nodes) expect(node.stderr).toMatch(/WARN 224\.0\.0\.0 is the reserved base address/);
      // The Go node falls silent: 7 leads and announces it on the group in the Go format.
      await waitForAgreement(nodes, '7', sendSeconds * 1000 + CONVERGE_MS);
      const coordinator = `2|${lan.hosts[2]!.eth0.ipv4}|7|`;
      const line = await heard.waitFor((l) => (JSON.parse(l) as { text?: string }).text?.startsWith(coordinator) === true, 5_000);
      expect(JSON.parse(line)).toMatchObject({ length: 128, text: coordinator.padEnd(128, '#') });
      for (const node of nodes) node.kill('SIGTERM');
      for (const node of nodes) expect(await node.exited).toEqual({ code: 0, signal: null });
    } finally {
      goNode.kill('SIGKILL');
    }
  });
});
