// What the Participant says about a leader: its identity and metadata, as LeaderInfo. Its ids are
// bigints, which JSON.stringify refuses, so each LeaderInfo carries a toJSON (not enumerable: the
// object still reads and compares as { id, address, metadata? }).
import type { NodeIdentity } from '../core/types';
import { metadataText, type MetadataEncoding } from './metadata-text';
import type { LeaderInfo } from './types';

/** JSON.stringify(participant.leader): the id as decimal text, the metadata as text with its encoding. */
export interface LeaderInfoJSON {
  readonly id: string;
  readonly address: string;
  readonly metadata?: string;
  readonly metadataEncoding?: MetadataEncoding;
}

export function leaderInfo(leader: NodeIdentity, metadata: Uint8Array | undefined): LeaderInfo {
  const info: LeaderInfo = { id: leader.id, address: leader.address, ...(metadata !== undefined && { metadata }) };
  return Object.defineProperty(info, 'toJSON', { value: leaderInfoJSON });
}

function leaderInfoJSON(this: LeaderInfo): LeaderInfoJSON {
  if (this.metadata === undefined) return { id: this.id.toString(), address: this.address };
  const { text, encoding } = metadataText(this.metadata);
  return { id: this.id.toString(), address: this.address, metadata: text, metadataEncoding: encoding };
}
