/**
 * A server answer's bytes as JSON text: unpacked when the server sent them packed (`PACKED_ANSWER_TYPE`,
 * gzip), as they are otherwise. Runs where the answer is parsed — the core's worker for a snapshot page —
 * so the window's thread only ever carries the packed tenth of a page.
 */
import { gunzipSync } from 'node:zlib';
import { ProtocolError } from '../../../protocol/client';

/** Far above a page (a few MB of JSON): a bigger answer is not one the server makes, so it is refused. */
const MAX_UNPACKED = 256 * 1024 * 1024;

/** gzip's magic number (RFC 1952); JSON text cannot start with 0x1f, so plain answers are never mistaken. */
const isGzip = (bytes: Uint8Array): boolean => bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;

export function unpackAnswer(bytes: Uint8Array, maxBytes = MAX_UNPACKED): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    return gunzipSync(bytes, { maxOutputLength: maxBytes });
  } catch {
    throw new ProtocolError(200, 'bad_answer', 'The server answered a packed page that does not unpack');
  }
}
