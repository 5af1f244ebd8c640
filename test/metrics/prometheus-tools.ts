// Debian's prometheus package (scripts/install-test-deps.sh installs it): promtool checks the
// /metrics text, the prometheus server scrapes it. Where they are missing the suites that need
// them are skipped with one printed line; with REQUIRE_NETNS_TESTS=1 (set by .ci/run, which
// installs them) that is an error instead, as for the namespace suites (test/lan/support.ts).
import { spawnSync } from 'node:child_process';
import { describe } from 'vitest';

export type PrometheusTools = { ok: true; promtool: string; prometheus: string } | { ok: false; reason: string };

let cached: PrometheusTools | undefined;

export function prometheusTools(): PrometheusTools {
  cached ??= probe();
  if (!cached.ok && process.env.REQUIRE_NETNS_TESTS === '1') {
    throw new Error(`REQUIRE_NETNS_TESTS=1 but ${cached.reason} (scripts/install-test-deps.sh installs Debian's prometheus package)`);
  }
  return cached;
}

function probe(): PrometheusTools {
  const found: Record<string, string> = {};
  for (const tool of ['promtool', 'prometheus']) {
    const where = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' });
    if (where.status !== 0) return { ok: false, reason: `${tool} is not installed (Debian package prometheus)` };
    found[tool] = where.stdout.trim();
  }
  return { ok: true, promtool: found.promtool!, prometheus: found.prometheus! };
}

/** A describe block that needs promtool and prometheus: skipped with one line where they are missing. */
export function describeWithPrometheus(title: string, body: (tools: { promtool: string; prometheus: string }) => void): void {
  const tools = prometheusTools();
  if (!tools.ok) console.log(`skipping ${title}: ${tools.reason}`);
  describe.skipIf(!tools.ok)(title, () => body(tools as { promtool: string; prometheus: string }));
}

/** `promtool check metrics` on a text: its exit status and what it said (problems are on stdout/stderr). */
export function promtoolCheck(promtool: string, text: string): { status: number | null; output: string } {
  const result = spawnSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 30_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}`.trim() };
}
