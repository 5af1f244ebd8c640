#!/usr/bin/env node
// Entry point of the `multibully` command.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCliArgs } from './args';
import { runDemo } from './demo';
import { printInterfaces } from './interfaces';
import { tolerateClosedStdout } from './output';
import { runParticipant } from './run';
import { formatUsageError, USAGE, UsageError } from './usage';

async function main(argv: readonly string[]): Promise<void> {
  const args = parseCliArgs(argv);
  // `run` reports a vanished reader in its log; the one-shot commands just stop printing.
  if (args.command !== 'run') tolerateClosedStdout();
  switch (args.command) {
    case 'help':
      process.stdout.write(USAGE);
      return;
    case 'version':
      process.stdout.write(`${packageVersion()}\n`);
      return;
    case 'interfaces':
      printInterfaces(args.json);
      return;
    case 'demo':
      process.exitCode = await runDemo({ logLevel: args.logLevel });
      return;
    case 'run':
      await runParticipant(args);
      return;
  }
}

/** The version in package.json (dist/cli/main.js and lib/cli/main.ts both sit two levels below it). */
function packageVersion(): string {
  return (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const err = error as Error & { code?: string };
  // Option errors from the Participant (bad group, unknown NIC, a NIC without an address of the
  // group's family, …) are usage errors too: one line, exit 2, like every other usage error.
  if (err instanceof UsageError || err instanceof TypeError || err instanceof RangeError || err.code === 'ERR_MULTIBULLY_NO_INTERFACE_ADDRESS') {
    process.stderr.write(formatUsageError(err.message));
    process.exit(2);
  }
  process.stderr.write(`multibully: ${err.message}${err.code ? ` (${err.code})` : ''}\n`);
  process.exit(1);
});
