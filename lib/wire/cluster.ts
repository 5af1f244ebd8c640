// Cluster id: the first 8 bytes of SHA-256 over the cluster name's UTF-8 bytes.
import { createHash } from 'node:crypto';
import { rangeError, typeError } from '../errors';
import { CLUSTER_ID_BYTES } from './v1-layout';

export const MAX_CLUSTER_NAME_BYTES = 64;

/** Validates a cluster name (1..64 bytes, well-formed UTF-8 when a string) and returns its bytes. */
export function clusterNameBytes(cluster: unknown): Buffer {
  let bytes: Buffer;
  if (typeof cluster === 'string') {
    bytes = Buffer.from(cluster, 'utf8');
    // Lone surrogates would silently become U+FFFD: two different names, one id.
    if (bytes.toString('utf8') !== cluster) {
      throw rangeError('ERR_INVALID_ARG_VALUE', 'cluster must be well-formed Unicode (no lone surrogates)');
    }
  } else if (cluster instanceof Uint8Array) {
    bytes = Buffer.from(cluster);
  } else {
    throw typeError('ERR_INVALID_ARG_TYPE', 'cluster must be a string or a Uint8Array (the cluster name)');
  }
  if (bytes.length < 1 || bytes.length > MAX_CLUSTER_NAME_BYTES) {
    throw rangeError('ERR_OUT_OF_RANGE', `cluster must be 1..${MAX_CLUSTER_NAME_BYTES} bytes of UTF-8, got ${bytes.length}`);
  }
  return bytes;
}

export function clusterId(cluster: string | Uint8Array): Buffer {
  return createHash('sha256').update(clusterNameBytes(cluster)).digest().subarray(0, CLUSTER_ID_BYTES);
}
