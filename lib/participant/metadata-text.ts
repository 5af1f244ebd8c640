// Leader metadata is bytes; where it must become text (JSON, a hook's environment) it is shown as
// UTF-8 when it is valid UTF-8 without a NUL (an environment variable cannot hold one), else as
// base64, and the encoding is always said, so a reader never guesses.

export type MetadataEncoding = 'utf8' | 'base64';

export interface MetadataText {
  readonly text: string;
  readonly encoding: MetadataEncoding;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function metadataText(bytes: Uint8Array): MetadataText {
  if (!bytes.includes(0)) {
    try {
      return { text: strictUtf8.decode(bytes), encoding: 'utf8' };
    } catch {
      // not UTF-8: base64 below
    }
  }
  return { text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'), encoding: 'base64' };
}
