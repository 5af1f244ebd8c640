// examples/ cannot drift from the CLI: the systemd unit's command line parses, runs the installed
// bin (not npx) with the capabilities --vip needs, the notify script is valid sh, and the nft
// rules load (checked in a private network namespace, never applied to this host).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCliArgs } from '../../lib/cli/args';
import { lanSupport } from '../lan';

const EXAMPLES = resolve(__dirname, '../../examples');
const read = (name: string) => readFileSync(join(EXAMPLES, name), 'utf8');

/** The unit's ExecStart, continuation lines joined, split into words (the unit quotes nothing). */
function execStart(unit: string): string[] {
  const joined = unit.replace(/\\\n\s*/g, ' ');
  const line = /^ExecStart=(.*)$/m.exec(joined);
  if (!line) throw new Error('no ExecStart');
  return line[1]!.trim().split(/\s+/);
}

describe('examples/', () => {
  it('the systemd unit runs the installed bin with flags the CLI accepts, and grants only what --vip needs', () => {
    const unit = read('multibully.service');
    const [bin, ...args] = execStart(unit);
    // No install prefix assumed: systemd finds a bare name in /usr/local/bin or /usr/bin.
    expect(bin).toBe('multibully');
    expect(unit).not.toMatch(/^ExecStart=.*npx/m);
    // Not the Go library's documentation (this package is not it).
    expect(unit).not.toMatch(/^Documentation=.*tomtaylor/m);
    for (const line of unit.match(/^Documentation=.*$/gm) ?? []) expect(line).not.toMatch(/github\.com\/tomtaylor/);
    const parsed = parseCliArgs(args.map((a) => a.replace('${CREDENTIALS_DIRECTORY}', '/run/credentials/multibully.service')));
    expect(parsed).toMatchObject({ command: 'run', interface: 'eth0', vips: [{ address: '192.0.2.10', prefixLength: 24 }] });
    expect(unit).toMatch(/^AmbientCapabilities=CAP_NET_ADMIN CAP_NET_RAW$/m);
    expect(unit).toMatch(/^CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW$/m);
    // SIGHUP resigns: a reload would stop the node.
    expect(unit).not.toMatch(/^ExecReload=/m);
  });

  it('the notify script is valid sh and accepts the four states', () => {
    const script = join(EXAMPLES, 'notify.sh');
    expect(spawnSync('sh', ['-n', script]).status).toBe(0);
    expect(read('notify.sh')).toMatch(/leader \| follower \| fault \| stopped\)/);
  });

  it.skipIf(!lanSupport().ok)('the nft rules (and their commented IPv6 variants) load into a default-drop inet filter table', () => {
    const rules = join(EXAMPLES, 'multibully.nft');
    const script = [
      'nft add table inet filter',
      'nft add chain inet filter input "{ type filter hook input priority 0; policy drop; }"',
      'nft add chain inet filter output "{ type filter hook output priority 0; policy drop; }"',
      `nft -c -f ${rules}`,
      `sed "s/^# insert/insert/" ${rules} | nft -c -f -`,
    ].join(' && ');
    // `unshare -n`: a private namespace that disappears with the shell; -c only checks anyway.
    const result = spawnSync('unshare', ['-n', 'sh', '-c', script], { encoding: 'utf8', timeout: 20_000 });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
