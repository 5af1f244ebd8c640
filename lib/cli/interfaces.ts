// `multibully interfaces [--json]`: the NICs an election could run on.
import { listInterfaces } from '../socket';

export function printInterfaces(json: boolean, write: (text: string) => void = (t) => process.stdout.write(t)): void {
  const nics = listInterfaces();
  if (json) {
    write(JSON.stringify(nics, null, 2) + '\n');
    return;
  }
  for (const nic of nics) {
    const flags = Object.entries(nic.flags).filter(([, on]) => on).map(([name]) => name).join(',');
    write(`${nic.index}: ${nic.name} <${flags}>\n`);
    for (const a of nic.addresses) write(`    ipv${a.family} ${a.address}/${a.prefixLength}${a.scopeId ? ` scope ${a.scopeId}` : ''}\n`);
  }
}
