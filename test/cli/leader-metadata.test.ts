// `--metadata` reaches the followers' CLI: in their follower lines, their status and their hooks
// (MULTIBULLY_LEADER_METADATA), and in the leader's own leader line. Processes on lo.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CliNode, testPort, waitForAgreement } from './cli-node';

const dir = mkdtempSync(join(tmpdir(), 'mb-metadata-'));
const running: CliNode[] = [];
afterEach(async () => {
  for (const node of running.splice(0)) {
    node.kill('SIGKILL');
    await node.exited;
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function fileWith(file: string, ready: (text: string) => boolean): Promise<string> {
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    if (existsSync(file) && ready(readFileSync(file, 'utf8'))) return readFileSync(file, 'utf8');
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${file} never became ready`);
}

describe('leader metadata in the CLI', () => {
  it('is in the follower and leader lines, the status line and the hook environment; terms are text', async () => {
    const port = testPort();
    const url = 'http://127.0.0.1:8080/ü';
    const hookFile = join(dir, `hook-${port}.env`);
    const base = ['--interface', 'lo', '--address', `239.77.0.5:${port}`, '--heartbeat', '50', '--cluster', `md-${port}`];
    const follower = CliNode.local([...base, '--id', '1', '--on-follower', `env | grep -E '^MULTIBULLY_LEADER_' | sort > ${hookFile}`], 'follower');
    const leader = CliNode.local([...base, '--id', '2', '--metadata', url], 'leader');
    running.push(follower, leader);
    await waitForAgreement([follower, leader], '2', 10_000);

    const followed = follower.lastTransition()!;
    expect(followed).toMatchObject({ event: 'follower', leader: { id: '2', address: '127.0.0.1', metadata: url, metadataEncoding: 'utf8' } });
    expect(typeof followed.term).toBe('string');
    expect(followed.term).toMatch(/^[1-9][0-9]*$/);
    expect(leader.lastTransition()).toMatchObject({ event: 'leader', term: followed.term, leader: { id: '2', metadata: url, metadataEncoding: 'utf8' } });

    const env = await fileWith(hookFile, (text) => text.includes('MULTIBULLY_LEADER_METADATA_ENCODING='));
    expect(env.trim().split('\n')).toEqual([
      'MULTIBULLY_LEADER_ADDRESS=127.0.0.1', 'MULTIBULLY_LEADER_ID=2', `MULTIBULLY_LEADER_METADATA=${url}`, 'MULTIBULLY_LEADER_METADATA_ENCODING=utf8',
    ]);

    follower.kill('SIGUSR1');
    const status = await follower.waitFor((e) => e.event === 'status', 5_000, 'a status line');
    expect(status).toMatchObject({ state: 'follower', term: followed.term, leader: { id: '2', metadata: url, metadataEncoding: 'utf8' } });
  });
});
