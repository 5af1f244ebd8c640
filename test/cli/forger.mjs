// Test tool: forges election packets from inside a namespace host of the test LAN.
//
//   ip netns exec <ns> node forger.mjs GROUP PORT IFACE_ADDRESS [CLUSTER]
//
// Joins GROUP:PORT on the NIC that owns IFACE_ADDRESS (IPv4 only), keeps the last packets it
// hears from other hosts, and takes one JSON command per stdin line:
//
//   {"seq":1,"op":"send","messages":[{type,term,id,address,nonce,seq}]}  v1 packets built by the
//        real encoder (lib/wire createV1Codec, from dist/); bigints as decimal strings
//   {"seq":2,"op":"elections","count":N,"durationMs":D,"id","address","nonce","termStart"}
//        N ELECTIONs, term termStart+i, seq 1+i, spread evenly over D ms
//   {"seq":3,"op":"capture","type":3,"id":"30","timeoutMs":5000}
//        waits for a packet of that type (1..4) from that sender id, heard after the command
//   {"seq":4,"op":"resend","type":3,"id":"30","setSeq":"…","setTerm":"…","flipBits":[…],"timeoutMs":5000}
//        captures such a packet (heard after the command), edits it in place and sends it once
//   {"seq":5,"op":"flood","count":N,"durationMs":D,"seed":S,"samples":K}
//        captures K real packets first, then sends N datagrams over D ms: a third pure random
//        bytes, a third truncated real packets, a third real packets with 1..3 bits flipped
//   {"seq":6,"op":"raw","hex":"…"}  one datagram, as given
//
// Replies {seq, ok, result} or {seq, ok:false, error}; prints {"event":"ready"} once joined.
// Every loop is bounded in count and time; the process exits on its own after MAX_LIFETIME_MS.
import dgram from 'node:dgram';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const { createV1Codec } = require(join(here, '../../dist/wire'));

const MAX_LIFETIME_MS = 180_000;
const MAX_COUNT = 100_000;
const MAX_DURATION_MS = 30_000;
const MAX_WAIT_MS = 30_000;
const MAX_KEPT = 256;
const TICK_MS = 5;
/** Offsets of the v1 header: the codec's own layout (docs/PROTOCOL.md), never a copy of it. */
const { OFFSET: OFF, V1_MAGIC } = require(join(here, '../../dist/wire/v1-layout'));

const [group, portText, ifaceAddress, cluster = 'default'] = process.argv.slice(2);
const port = Number(portText);
if (!group || !Number.isInteger(port) || port <= 0 || port > 65535 || !ifaceAddress) {
  process.stderr.write('usage: forger.mjs GROUP PORT IFACE_ADDRESS [CLUSTER]\n');
  process.exit(2);
}
setTimeout(() => process.exit(3), MAX_LIFETIME_MS).unref();

const codec = createV1Codec({ cluster });
const write = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');

/** Packets heard from other hosts, newest last, with a running count. */
const heard = [];
let heardCount = 0;
const listeners = new Set();

const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
socket.on('error', (error) => {
  process.stderr.write(`forger socket error: ${error.message}\n`);
  process.exit(4);
});
socket.on('message', (data, rinfo) => {
  if (rinfo.address === ifaceAddress) return; // our own forgeries, should loopback be on
  const packet = { data: Buffer.from(data), from: rinfo.address, n: ++heardCount };
  heard.push(packet);
  if (heard.length > MAX_KEPT) heard.shift();
  for (const listener of [...listeners]) listener(packet);
});
socket.bind(port, () => {
  socket.addMembership(group, ifaceAddress);
  socket.setMulticastInterface(ifaceAddress);
  socket.setMulticastTTL(1);
  socket.setMulticastLoopback(false);
  write({ event: 'ready', address: ifaceAddress, port });
});

let pendingSends = 0;
let sendErrors = 0;
let lastSendError;
function sendRaw(bytes) {
  pendingSends++;
  socket.send(bytes, port, group, (error) => {
    pendingSends--;
    if (error) {
      sendErrors++;
      lastSendError = error.message;
    }
  });
}

async function drainSends() {
  const deadline = Date.now() + 5_000;
  while (pendingSends > 0 && Date.now() < deadline) await sleep(5);
}

function sleep(ms) {
  return new Promise((done) => setTimeout(done, ms));
}

function bounded(value, max, what) {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > max) throw new RangeError(`${what} must be 0..${max}, got ${value}`);
  return n;
}

function message(m) {
  return {
    type: m.type,
    term: BigInt(m.term ?? 0),
    seq: BigInt(m.seq ?? 1),
    flags: 0,
    from: { id: BigInt(m.id), address: m.address ?? ifaceAddress, nonce: BigInt(m.nonce ?? 1) },
  };
}

function header(data) {
  if (data.length < OFF.seq + 8 || data[0] !== V1_MAGIC[0] || data[1] !== V1_MAGIC[1]) return undefined;
  return {
    type: data[OFF.type],
    term: data.readBigUInt64BE(OFF.term).toString(),
    id: data.readBigUInt64BE(OFF.id).toString(),
    nonce: data.readBigUInt64BE(OFF.nonce).toString(),
    seq: data.readBigUInt64BE(OFF.seq).toString(),
  };
}

/** The next packet (heard after this call) matching type/id. */
function nextPacket(type, id, timeoutMs) {
  const wait = bounded(timeoutMs ?? 5_000, MAX_WAIT_MS, 'timeoutMs');
  return new Promise((resolve, reject) => {
    const listener = (packet) => {
      const h = header(packet.data);
      if (!h) return;
      if (type !== undefined && h.type !== Number(type)) return;
      if (id !== undefined && h.id !== String(id)) return;
      clearTimeout(timer);
      listeners.delete(listener);
      resolve(packet);
    };
    const timer = setTimeout(() => {
      listeners.delete(listener);
      reject(new Error(`no packet of type ${type} from id ${id} within ${wait} ms (heard ${heardCount} packets)`));
    }, wait);
    listeners.add(listener);
  });
}

/** xorshift32: a seeded, reproducible stream of random numbers. */
function prng(seed) {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x1_0000_0000;
  };
}

/** Sends make(i) for i < count, spread evenly over durationMs, in ticks of TICK_MS. */
async function paced(count, durationMs, make) {
  const started = Date.now();
  let sent = 0;
  const hardDeadline = started + durationMs + MAX_DURATION_MS;
  while (sent < count && Date.now() < hardDeadline) {
    const due = durationMs === 0 ? count : Math.min(count, Math.ceil(((Date.now() - started + TICK_MS) / durationMs) * count));
    while (sent < due) sendRaw(make(sent++));
    if (sent < count) await sleep(TICK_MS);
  }
  await drainSends();
  const endedAt = Date.now();
  return { sent, elapsedMs: endedAt - started, endedAt };
}

const ops = {
  async send({ messages }) {
    if (!Array.isArray(messages) || messages.length === 0 || messages.length > MAX_COUNT) throw new TypeError('messages: 1..100000 entries');
    const packets = messages.map((m) => codec.encode(message(m)));
    for (const p of packets) sendRaw(p);
    await drainSends();
    return { sent: packets.length, hex: packets.map((p) => p.toString('hex')), sendErrors, lastSendError };
  },

  async raw({ hex }) {
    sendRaw(Buffer.from(hex, 'hex'));
    await drainSends();
    return { sent: 1, sendErrors, lastSendError };
  },

  async elections({ count, durationMs, id, address, nonce, termStart }) {
    const n = bounded(count, MAX_COUNT, 'count');
    const d = bounded(durationMs, MAX_DURATION_MS, 'durationMs');
    const start = BigInt(termStart ?? 1);
    const base = message({ type: 'election', id, address, nonce: nonce ?? 7 });
    const result = await paced(n, d, (i) => codec.encode({ ...base, term: start + BigInt(i), seq: BigInt(i + 1) }));
    return { ...result, firstTerm: start.toString(), lastTerm: (start + BigInt(n - 1)).toString(), sendErrors, lastSendError };
  },

  async capture({ type, id, timeoutMs }) {
    const packet = await nextPacket(type, id, timeoutMs);
    return { from: packet.from, hex: packet.data.toString('hex'), header: header(packet.data) };
  },

  async resend({ type, id, setSeq, setTerm, flipBits, timeoutMs }) {
    const packet = await nextPacket(type, id, timeoutMs);
    const original = Buffer.from(packet.data);
    const forged = Buffer.from(packet.data);
    if (setSeq !== undefined) forged.writeBigUInt64BE(BigInt(setSeq), OFF.seq);
    if (setTerm !== undefined) forged.writeBigUInt64BE(BigInt(setTerm), OFF.term);
    for (const bit of flipBits ?? []) {
      const b = bounded(bit, forged.length * 8 - 1, 'flipBits[]');
      forged[b >> 3] ^= 0x80 >> (b & 7);
    }
    sendRaw(forged);
    await drainSends();
    return { original: original.toString('hex'), forged: forged.toString('hex'), header: header(forged), sendErrors, lastSendError };
  },

  async flood({ count, durationMs, seed, samples }) {
    const n = bounded(count, MAX_COUNT, 'count');
    const d = bounded(durationMs, MAX_DURATION_MS, 'durationMs');
    const want = bounded(samples ?? 16, MAX_KEPT, 'samples');
    // Real packets heard from now on (old ones may predate the current election).
    const real = [];
    const deadline = Date.now() + 10_000;
    const collect = (packet) => {
      if (real.length < want) real.push(packet.data);
    };
    listeners.add(collect);
    while (real.length < want && Date.now() < deadline) await sleep(10);
    listeners.delete(collect);
    if (real.length === 0) throw new Error('flood: heard no real packet to truncate or flip');
    const random = prng(Number(seed ?? 1));
    const pick = (max) => Math.floor(random() * max);
    const kinds = { random: 0, truncated: 0, flipped: 0 };
    const make = () => {
      const kind = pick(3);
      if (kind === 0) {
        kinds.random++;
        const bytes = Buffer.alloc(pick(700));
        for (let i = 0; i < bytes.length; i++) bytes[i] = pick(256);
        // Half of them look like v1 at first glance, so they get past the magic check.
        if (bytes.length >= 3 && random() < 0.5) {
          bytes[0] = 0x4d;
          bytes[1] = 0x42;
          bytes[2] = 0x01;
        }
        return bytes;
      }
      const source = real[pick(real.length)];
      if (kind === 1) {
        kinds.truncated++;
        return Buffer.from(source.subarray(0, pick(source.length)));
      }
      kinds.flipped++;
      const bytes = Buffer.from(source);
      const flips = 1 + pick(3);
      for (let f = 0; f < flips; f++) {
        const bit = pick(bytes.length * 8);
        bytes[bit >> 3] ^= 0x80 >> (bit & 7);
      }
      return bytes;
    };
    const result = await paced(n, d, make);
    return { ...result, samples: real.length, kinds, sendErrors, lastSendError };
  },
};

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  let command;
  try {
    command = JSON.parse(line);
  } catch (error) {
    write({ ok: false, error: `bad command: ${error.message}` });
    return;
  }
  const op = ops[command.op];
  if (!op) {
    write({ seq: command.seq, ok: false, error: `unknown op ${command.op}` });
    return;
  }
  Promise.resolve()
    .then(() => op(command))
    .then(
      (result) => write({ seq: command.seq, ok: true, result }),
      (error) => write({ seq: command.seq, ok: false, error: error instanceof Error ? error.message : String(error) }),
    );
});
process.stdin.on('end', () => {
  // The test is done with us once it closes stdin: let pending work finish, then exit.
  setTimeout(() => process.exit(0), 200).unref();
});
