// The peer list of a unicast-peers election (keepalived's unicast_peer): checked as a whole, so
// that a list that is empty, repeats a peer or mixes families is refused with one clear message,
// never silently narrowed (keepalived falls back to multicast on an empty list; we do not).
import { formatPeerAddress, parsePeerAddress, type PeerAddress } from '../address';
import { describeValue, rangeError, typeError } from '../errors';

/**
 * `list` as peers, each with `port` unless it names its own. `family`: the one the list must be
 * of (the local address's, when given). Throws ERR_INVALID_ARG_TYPE or ERR_MULTIBULLY_BAD_ADDRESS.
 */
export function checkPeers(list: unknown, port: number, family: 4 | 6 | undefined, path = 'peers'): PeerAddress[] {
  if (!Array.isArray(list)) throw typeError('ERR_INVALID_ARG_TYPE', `${path} must be an array of addresses like ["10.0.1.5", "10.0.1.6:9999", "[fd00::7]"], got ${describeValue(list)}`);
  if (list.length === 0) {
    throw rangeError('ERR_MULTIBULLY_BAD_ADDRESS', `${path} is empty: list the other nodes' addresses (a node's own address may be in the list; it is skipped)`);
  }
  const peers: PeerAddress[] = [];
  const seen = new Map<string, number>();
  for (const [i, text] of list.entries()) {
    const peer = parsePeerAddress(text, port, `${path}[${i}]`);
    const key = formatPeerAddress(peer);
    const earlier = seen.get(key);
    if (earlier !== undefined) throw rangeError('ERR_MULTIBULLY_BAD_ADDRESS', `${path}[${i}] ${JSON.stringify(text)} is ${key} again (${path}[${earlier}]); give each peer once`);
    seen.set(key, i);
    const expected = family ?? peers[0]?.family;
    if (expected !== undefined && peer.family !== expected) {
      throw rangeError(
        'ERR_MULTIBULLY_BAD_ADDRESS',
        `${path}[${i}] ${JSON.stringify(text)} is IPv${peer.family}, but ${family === undefined ? `${path}[0] is` : 'the local address is'} IPv${expected}: an election runs over one family`,
      );
    }
    peers.push(peer);
  }
  return peers;
}

/** The peers' addresses, for the arrival rule: a datagram from any other source is dropped ('not-peer'). */
export function peerSources(peers: readonly PeerAddress[]): ReadonlySet<string> {
  return new Set(peers.map((peer) => peer.address));
}

/** The peers to send to: all but this node itself (same address and port), so one list serves every node. */
export function otherPeers(peers: readonly PeerAddress[], self: { readonly address: string; readonly port: number }): PeerAddress[] {
  return peers.filter((peer) => !(peer.address === self.address && peer.port === self.port));
}
