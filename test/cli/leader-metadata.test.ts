// `--metadata` reaches the followers' CLI: in their follower lines, their status and their hooks
// (MULTIBULLY_LEADER_METADATA), and in the leader's own leader line. Processes on lo.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testPort, waitForAgreement } from './cli-node';
import { localCliSuite, waitUntilFile } from './local-cli';

const { dir, start } = localCliSuite('mb-metadata-');

describe('leader metadata in the CLI', () => {
  it('is in the follower and leader lines, the status line and the hook environment; terms are text', async () => {
    const port = testPort();
    const url = 'http://127.0.0.1:8080/ü';
    const hookFile = join(dir, `hook-${port}.env`);
    const base = ['--interface', 'lo', '--address', `239.77.0.5:${port}`, '--heartbeat', '50', '--cluster', `md-${port}`];
    const follower = start([...base, '--id', '1', '--on-follower', `env | grep -E '^MULTIBULLY_LEADER_' | sort > ${hookFile}`], 'follower');
    const leader = start([...base, '--id', '2', '--metadata', url], 'leader');
    await waitForAgreement([follower, leader], '2', 10_000);

    const followed = follower.lastTransition()!;
    expect(followed).toMatchObject({ event: 'follower', leader: { id: '2', address: '127.0.0.1', metadata: url, metadataEncoding: 'utf8' } });
    expect(typeof followed.term).toBe('string');
    expect(followed.term).toMatch(/^[1-9][0-9]*$/);
    expect(leader.lastTransition()).toMatchObject({ event: 'leader', term: followed.term, leader: { id: '2', metadata: url, metadataEncoding: 'utf8' } });

    const env = await waitUntilFile(hookFile, (text) => text.includes('MULTIBULLY_LEADER_METADATA_ENCODING='));
    expect(env.trim().split('\n')).toEqual([
      'MULTIBULLY_LEADER_ADDRESS=127.0.0.1', 'MULTIBULLY_LEADER_ID=2', `MULTIBULLY_LEADER_METADATA=${url}`, 'MULTIBULLY_LEADER_METADATA_ENCODING=utf8',
    ]);

    follower.kill('SIGUSR1');
    const status = await follower.waitFor((e) => e.event === 'status', 5_000, 'a status line');
    expect(status).toMatchObject({ state: 'follower', term: followed.term, leader: { id: '2', metadata: url, metadataEncoding: 'utf8' } });
  });
});
