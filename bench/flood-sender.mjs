// The flooder of the flood bench (bench/flood.mjs), in a host namespace of the bench LAN:
//
//   node flood-sender.mjs IFACE GROUP PORT MODE RATE DURATION_MS CLUSTER
//
// MODE: `junk` (random bytes), `election` (unauthenticated v1 ELECTIONs from made-up higher
// nodes: every packet a new (id, address, nonce), the address inside the bench's own /24), or
// `bad-tag` (v1 ELECTIONs signed with a wrong secret under key id 0). Sends RATE datagrams a
// second for DURATION_MS (bounded: at most MAX_RATE and MAX_DURATION_MS), paced per timer tick,
// then prints {"sent","refused","elapsedMs"} and exits.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const { MulticastSocket } = require('../dist/socket');
const { createV1Codec } = require('../dist/wire');
const { OFFSET } = require('../dist/wire/v1-layout');

const MAX_RATE = 100_000;
const MAX_DURATION_MS = 30_000;
const POOL = 4096;
const [iface, group, portText, mode, rateText, durationText, cluster] = process.argv.slice(2);
const port = Number(portText);
const rate = Math.min(Number(rateText), MAX_RATE);
const durationMs = Math.min(Number(durationText), MAX_DURATION_MS);

/** A v1 ELECTION from a made-up node: ids above any real one, a fresh nonce, an address in 10.77.200.0/24. */
function election(codec, i) {
  return codec.encode({
    type: 'election', term: 0n, priority: 100, seq: BigInt(i + 1), flags: 0,
    from: { id: 1_000_000n + BigInt(i), address: `10.77.200.${100 + (i % 150)}`, nonce: randomBytes(8).readBigUInt64BE() },
  });
}

let pool;
let patch = () => {};
if (mode === 'junk') {
  pool = Array.from({ length: POOL }, () => randomBytes(20 + Math.floor(Math.random() * 100)));
} else if (mode === 'election') {
  const codec = createV1Codec({ cluster });
  pool = Array.from({ length: POOL }, (_, i) => election(codec, i));
  // Every datagram a new instance: the id and nonce fields change, so no table sees one twice.
  let next = POOL;
  patch = (packet) => {
    next++;
    packet.writeBigUInt64BE(1_000_000n + BigInt(next), OFFSET.id);
    packet.writeBigUInt64BE(BigInt(next) * 2654435761n, OFFSET.nonce);
  };
} else if (mode === 'bad-tag') {
  const codec = createV1Codec({ cluster, keys: [{ id: 0, secret: 'not the secret of the bench cluster' }] });
  pool = Array.from({ length: POOL }, (_, i) => election(codec, i));
} else {
  throw new Error(`unknown mode ${mode} (junk, election, bad-tag)`);
}

const socket = new MulticastSocket({ family: 4 });
socket.bind(0);
socket.setMulticastInterface(iface);
socket.setTTL(1);
let sent = 0;
let refused = 0;
const started = performance.now();
await new Promise((done) => {
  const tick = () => {
    const elapsed = performance.now() - started;
    const due = Math.min(Math.floor((rate * Math.min(elapsed, durationMs)) / 1000), Math.ceil((rate * durationMs) / 1000));
    while (sent + refused < due) {
      const packet = pool[(sent + refused) % POOL];
      patch(packet);
      if (socket.send(packet, group, port)) sent++;
      else refused++;
    }
    if (elapsed >= durationMs) return done();
    setTimeout(tick, 1);
  };
  tick();
});
socket.close();
process.stdout.write(`${JSON.stringify({ sent, refused, elapsedMs: performance.now() - started })}\n`);
