#!/usr/bin/env node
// Entry point of the `multibully` command.
import { parseCliArgs } from './args';
import { runDemo } from './demo';
import { printInterfaces } from './interfaces';
import { tolerateClosedStdout } from './output';
import { runParticipant } from './run';
import { USAGE, UsageError } from './usage';

async function main(argv: readonly string[]): Promise<void> {
  const args = parseCliArgs(argv);
  // `run` reports a vanished reader in its log; the one-shot commands just stop printing.
  if (args.command !== 'run') tolerateClosedStdout();
  switch (args.command) {
    case 'help':
      process.stdout.write(USAGE);
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

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(`multibully: ${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
  const err = error as Error & { code?: string };
  // Option errors from the Participant (bad group, unknown NIC, a NIC without an address of the
  // group's family, …) are usage errors too.
  if (err instanceof TypeError || err instanceof RangeError || err.code === 'ERR_MULTIBULLY_NO_INTERFACE_ADDRESS') {
    process.stderr.write(`multibully: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`multibully: ${err.message}${err.code ? ` (${err.code})` : ''}\n`);
  process.exit(1);
});
