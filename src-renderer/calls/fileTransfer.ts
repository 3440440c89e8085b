/**
 * Chat and files over the data channel, never through the server. A file goes as a header, binary chunks
 * of 16 KiB (waiting while the channel's buffer is full), and an end marker with its SHA-256, which the
 * receiver checks before offering the file.
 */
export const CHUNK = 16 * 1024;
const HIGH_WATER = 1024 * 1024;

export type WireMessage =
  | { t: 'chat'; text: string; at: number }
  | { t: 'file'; id: string; name: string; size: number; type: string }
  | { t: 'file-end'; id: string; sha256: string };

export interface Channel {
  send(data: ArrayBuffer | ArrayBufferView): void;
  readonly bufferSize: number;
}

/** Every frame starts with one byte: 1 for a JSON message, 0 for a chunk of the current file. */
export function encodeMessage(message: WireMessage): Uint8Array {
  const body = new TextEncoder().encode(JSON.stringify(message));
  const frame = new Uint8Array(body.byteLength + 1);
  frame[0] = 1;
  frame.set(body, 1);
  return frame;
}

function encodeChunk(bytes: ArrayBuffer): Uint8Array {
  const frame = new Uint8Array(bytes.byteLength + 1);
  frame.set(new Uint8Array(bytes), 1);
  return frame;
}

export async function sha256Hex(data: ArrayBuffer | Blob): Promise<string> {
  const buffer = data instanceof Blob ? await data.arrayBuffer() : data;
  const digest = await crypto.subtle.digest('SHA-256', buffer);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export async function sendFile(channel: Channel, file: File, id: string): Promise<string> {
  const bytes = await file.arrayBuffer();
  channel.send(encodeMessage({ t: 'file', id, name: file.name, size: file.size, type: file.type }));
  for (let offset = 0; offset < bytes.byteLength; offset += CHUNK) {
    while (channel.bufferSize > HIGH_WATER) await new Promise((resolve) => setTimeout(resolve, 20));
    channel.send(encodeChunk(bytes.slice(offset, offset + CHUNK)));
  }
  const sha256 = await sha256Hex(bytes);
  channel.send(encodeMessage({ t: 'file-end', id, sha256 }));
  return sha256;
}

export interface ReceivedFile {
  id: string;
  name: string;
  type: string;
  blob: Blob;
  sha256: string;
  /** False when the content did not match the sender's hash (the file is then not offered). */
  intact: boolean;
}

/** Reassembles what arrives on one channel: chat messages and files. */
export class Receiver {
  private current: { id: string; name: string; type: string; size: number; parts: Uint8Array[]; got: number } | null =
    null;

  constructor(
    private readonly onChat: (text: string, at: number) => void,
    private readonly onFile: (file: ReceivedFile) => void,
  ) {}

  async receive(data: Uint8Array): Promise<void> {
    if (data[0] === 0) {
      if (this.current && this.current.got + data.byteLength - 1 <= this.current.size) {
        this.current.parts.push(data.slice(1));
        this.current.got += data.byteLength - 1;
      }
      return;
    }
    let message: WireMessage;
    try {
      message = JSON.parse(new TextDecoder().decode(data.subarray(1))) as WireMessage;
    } catch {
      return; // not ours: ignore, never crash on what a peer sends
    }
    if (message.t === 'chat' && typeof message.text === 'string') this.onChat(message.text.slice(0, 4000), message.at);
    else if (message.t === 'file' && message.size >= 0 && message.size <= 512 * 1024 * 1024)
      this.current = {
        id: message.id,
        name: String(message.name).slice(0, 255),
        type: String(message.type),
        size: message.size,
        parts: [],
        got: 0,
      };
    else if (message.t === 'file-end' && this.current?.id === message.id) {
      const done = this.current;
      this.current = null;
      const blob = new Blob(done.parts as BlobPart[], { type: done.type || 'application/octet-stream' });
      const sha256 = await sha256Hex(blob);
      this.onFile({
        id: done.id,
        name: done.name,
        type: done.type,
        blob,
        sha256,
        intact: sha256 === message.sha256 && blob.size === done.size,
      });
    }
  }
}
