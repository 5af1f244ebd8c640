// describeOnLan(): a describe block whose tests share one namespace LAN. It does the support
// check (skip with one printed line, or fail under REQUIRE_NETNS_TESTS=1), builds the LAN in
// beforeAll, and in afterAll kills what the suite registered, destroys the LAN and runs the
// suite's own cleanups.
import { afterAll, beforeAll, describe } from 'vitest';
import { createLan, type Lan, type LanOptions } from './lan';
import { lanSupport } from './support';

export interface LanSuiteOptions extends LanOptions {
  /** What is skipped where no LAN can be built, for the line `skipping <skipping>: <reason>`. */
  readonly skipping: string;
  /** Skip for a reason of the suite's own as well (the suite prints its own line for it). */
  readonly skipIf?: boolean;
}

/** Something a test started that must not outlive the suite, e.g. a CliNode. */
export interface Killable {
  kill(signal: NodeJS.Signals): unknown;
}

/** The suite's LAN, usable in hooks and tests (it exists from beforeAll to afterAll), plus its teardown. */
export interface SuiteLan extends Lan {
  /** SIGKILLed in afterAll, before the LAN is destroyed: nodes a failing test left running. */
  killAfterAll(...processes: Killable[]): void;
  /** Runs in afterAll after the LAN is destroyed (so nothing inside it still uses what it removes), last registered first. */
  onTeardown(cleanup: () => void | Promise<void>): void;
}

export function describeOnLan(title: string, options: LanSuiteOptions, body: (lan: SuiteLan) => void): void {
  const { skipping, skipIf = false, ...lanOptions } = options;
  // At collection time, as describe.skipIf needs it; throws here under REQUIRE_NETNS_TESTS=1.
  const support = lanSupport();
  if (!support.ok) printOnce(`skipping ${skipping}: ${support.reason}`);
  describe.skipIf(!support.ok || skipIf)(title, () => {
    const lan = new LanOfSuite();
    beforeAll(() => lan.build(lanOptions));
    afterAll(() => lan.teardown());
    body(lan);
  });
}

// A file with several LAN suites skips them all for one reason: say it once.
const printed = new Set<string>();
function printOnce(line: string): void {
  if (printed.has(line)) return;
  printed.add(line);
  console.log(line);
}

class LanOfSuite implements SuiteLan {
  #lan: Lan | undefined;
  readonly #processes: Killable[] = [];
  readonly #cleanups: Array<() => void | Promise<void>> = [];

  get id(): string {
    return this.#built().id;
  }

  get hosts(): Lan['hosts'] {
    return this.#built().hosts;
  }

  get router(): Lan['router'] {
    return this.#built().router;
  }

  partition(...sides: Parameters<Lan['partition']>): Promise<void> {
    return this.#built().partition(...sides);
  }

  heal(): Promise<void> {
    return this.#built().heal();
  }

  destroy(): Promise<void> {
    return this.#lan?.destroy() ?? Promise.resolve();
  }

  killAfterAll(...processes: Killable[]): void {
    this.#processes.push(...processes);
  }

  onTeardown(cleanup: () => void | Promise<void>): void {
    this.#cleanups.push(cleanup);
  }

  async build(options: LanOptions): Promise<void> {
    this.#lan = await createLan(options);
  }

  async teardown(): Promise<void> {
    for (const child of this.#processes) child.kill('SIGKILL');
    try {
      await this.destroy();
    } finally {
      for (const cleanup of this.#cleanups.reverse()) await cleanup();
    }
  }

  #built(): Lan {
    if (!this.#lan) throw new Error('the suite LAN exists from beforeAll to afterAll: use it in hooks and tests, not while collecting');
    return this.#lan;
  }
}
