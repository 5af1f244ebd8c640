// --help cannot drift from what the CLI does: every variable a hook gets is listed, with when.
import { describe, expect, it } from 'vitest';
import { hookEnvironment } from '../../lib/cli/hooks';
import { USAGE } from '../../lib/cli/usage';

describe('--help', () => {
  it('names every variable of the hook environment', () => {
    const names = Object.keys(hookEnvironment({ state: 'stopped', id: '1', term: '2', leaderId: '', leaderAddress: '', reason: 'SIGTERM' }));
    expect(names.length).toBeGreaterThanOrEqual(8);
    const help = USAGE.replace(/\s+/g, ' ');
    for (const name of names) expect(help).toContain(name);
  });

  it('says MULTIBULLY_REASON comes on fault and on stop (the stop hooks get the signal)', () => {
    const help = USAGE.replace(/\s+/g, ' ');
    expect(help).toContain('on fault and on stop, MULTIBULLY_REASON');
    expect(help).not.toMatch(/MULTIBULLY_REASON on fault\)/);
  });

  it('shows the term as text in its example line, as the CLI prints it', () => {
    expect(USAGE).toContain('"term":"3"');
  });
});
