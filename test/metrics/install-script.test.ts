// CI (.ci/run, as root on a clean clone) installs what the Prometheus tests need through the
// project's own script, and the script never leaves Debian's prometheus service running.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');
const SCRIPT = join(ROOT, 'scripts', 'install-test-deps.sh');

describe('scripts/install-test-deps.sh', () => {
  it('is valid bash, run by .ci/run before the tests, and installs Debian prometheus without recommends or a started service', () => {
    expect(spawnSync('bash', ['-n', SCRIPT]).status).toBe(0);
    const ci = readFileSync(join(ROOT, '.ci', 'run'), 'utf8');
    expect(ci.indexOf('./scripts/install-test-deps.sh')).toBeGreaterThan(0);
    expect(ci.indexOf('./scripts/install-test-deps.sh')).toBeLessThan(ci.indexOf('npm test -- '));
    const script = readFileSync(SCRIPT, 'utf8');
    expect(script).toMatch(/apt-get install -y -qq --no-install-recommends prometheus/);
    expect(script).toMatch(/policy-rc\.d/);
    expect(script).toMatch(/exit 101/);
  });

  const present = spawnSync('sh', ['-c', 'command -v promtool && command -v prometheus']).status === 0;
  it.runIf(present)('is a no-op where promtool and prometheus are present (idempotent), and says so', () => {
    const run = spawnSync('bash', [SCRIPT], { encoding: 'utf8', timeout: 30_000 });
    expect(run.status).toBe(0);
    expect(run.stdout).toBe('install-test-deps: ready (promtool and prometheus present)\n');
  });
});
