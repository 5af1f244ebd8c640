// The hand-written Prometheus text format: HELP/TYPE lines, escaping, the naming rules.
import { describe, expect, it } from 'vitest';
import { escapeHelp, escapeLabelValue, formatExposition } from '../../lib/metrics/exposition';
import { describeWithPrometheus, promtoolCheck } from './prometheus-tools';

describe('the text exposition format', () => {
  it('writes one HELP and one TYPE line per family, then its samples, each line ending in a newline', () => {
    const text = formatExposition([
      { name: 'x_total', type: 'counter', help: 'Things.', samples: [{ labels: { reason: 'a' }, value: 3 }, { labels: { reason: 'b' }, value: 0 }] },
      { name: 'y', type: 'gauge', help: 'A level.', samples: [{ value: 18446744073709551615n }] },
    ]);
    expect(text).toBe(
      '# HELP x_total Things.\n# TYPE x_total counter\nx_total{reason="a"} 3\nx_total{reason="b"} 0\n' +
        '# HELP y A level.\n# TYPE y gauge\ny 18446744073709551615\n',
    );
    expect(formatExposition([])).toBe('');
  });

  it('escapes label values (backslash, double quote, newline) and help text (backslash, newline)', () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    expect(escapeHelp('a\\b"c\nd')).toBe('a\\\\b"c\\nd');
    const text = formatExposition([{ name: 'g', type: 'gauge', help: 'two\nlines', samples: [{ labels: { interface: 'weird"\\\n' }, value: 1 }] }]);
    expect(text).toContain('# HELP g two\\nlines\n');
    expect(text).toContain('g{interface="weird\\"\\\\\\n"} 1\n');
  });

  it('writes NaN and infinities as the format spells them', () => {
    const text = formatExposition([{ name: 'g', type: 'gauge', help: 'h', samples: [{ value: NaN }, { value: Infinity }, { value: -Infinity }, { value: 0.5 }] }]);
    expect(text.split('\n').slice(2, 6)).toEqual(['g NaN', 'g +Inf', 'g -Inf', 'g 0.5']);
  });

  it.each([
    [{ name: 'bad-name', type: 'gauge' as const }, /is not valid/],
    [{ name: 'count', type: 'counter' as const }, /a counter must end in _total/],
    [{ name: 'level_total', type: 'gauge' as const }, /a gauge must not end in _total/],
  ])('refuses a family the conventions forbid: %j', (family, message) => {
    expect(() => formatExposition([{ ...family, help: 'h', samples: [] }])).toThrow(message);
  });

  it('refuses a name given twice and a bad label name', () => {
    const family = { name: 'g', type: 'gauge' as const, help: 'h', samples: [] };
    expect(() => formatExposition([family, family])).toThrow(/given twice/);
    expect(() => formatExposition([{ ...family, samples: [{ labels: { 'bad-label': 'x' }, value: 1 }] }])).toThrow(/label name "bad-label"/);
    expect(() => formatExposition([{ ...family, samples: [{ labels: { __reserved: 'x' }, value: 1 }] }])).toThrow(/label name "__reserved"/);
  });
});

describeWithPrometheus('the exposition format under promtool', ({ promtool }) => {
  it('promtool check metrics accepts escaped values, and rejects a text that breaks the format (the check is not vacuous)', () => {
    const good = formatExposition([
      { name: 'demo_things_total', type: 'counter', help: 'Things, with a "quote" and a \\ backslash.', samples: [{ labels: { reason: 'a"b\\c\nd' }, value: 1 }] },
    ]);
    expect(promtoolCheck(promtool, good)).toEqual({ status: 0, output: '' });
    const broken = promtoolCheck(promtool, '# HELP demo_x_total x\n# TYPE demo_x_total counter\ndemo_x_total{reason="unterminated} 1\n');
    expect(broken.status).not.toBe(0);
  });
});
