// The Prometheus text exposition format (version 0.0.4), written by hand: the package has no
// metrics client. https://prometheus.io/docs/instrumenting/exposition_formats/ — per family one
// `# HELP` and one `# TYPE` line, then its samples; label values escape \ " and newline, help
// text escapes \ and newline; a counter's name ends in _total.

/** What a scrape should be answered with. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type Labels = Readonly<Record<string, string>>;

export interface Sample {
  readonly labels?: Labels;
  /** A bigint (a term) is written as its exact decimal text. */
  readonly value: number | bigint;
}

export interface MetricFamily {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge';
  readonly samples: readonly Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** The text of these families, in order; throws on a name the format cannot carry (a bug, never an input). */
export function formatExposition(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const family of families) {
    checkFamily(family, seen);
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`);
    for (const sample of family.samples) lines.push(`${family.name}${formatLabels(sample.labels)} ${formatValue(sample.value)}`);
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

function checkFamily({ name, type, samples }: MetricFamily, seen: Set<string>): void {
  if (!METRIC_NAME.test(name)) throw new Error(`metric name ${JSON.stringify(name)} is not valid in the Prometheus format`);
  if (seen.has(name)) throw new Error(`metric ${name} is given twice: one family per name`);
  seen.add(name);
  // Prometheus's naming conventions: counters and only counters end in _total.
  if ((type === 'counter') !== name.endsWith('_total')) throw new Error(`metric ${name}: a ${type} ${type === 'counter' ? 'must' : 'must not'} end in _total`);
  for (const sample of samples) {
    for (const label of Object.keys(sample.labels ?? {})) {
      if (!LABEL_NAME.test(label) || label.startsWith('__')) throw new Error(`metric ${name}: label name ${JSON.stringify(label)} is not valid`);
    }
  }
}

function formatLabels(labels: Labels | undefined): string {
  const entries = Object.entries(labels ?? {});
  if (entries.length === 0) return '';
  return `{${entries.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(',')}}`;
}

export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

export function escapeHelp(text: string): string {
  return text.replace(/[\\\n]/g, (c) => (c === '\n' ? '\\n' : '\\\\'));
}

function formatValue(value: number | bigint): string {
  if (typeof value === 'bigint') return value.toString();
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}
