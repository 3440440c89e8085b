import { useEffect, useReducer, useState } from 'react';
import type { ReceivedFile } from './fileTransfer';
import { CallSession, type ChatEntry } from './callSession';
import type { Socket } from 'socket.io-client';

/** Owns a CallSession for a component: chat, received files, and re-rendering on changes. */
export function useCallSession() {
  const [session, setSession] = useState<CallSession | null>(null);
  const [chat, setChat] = useState<ChatEntry[]>([]);
  const [files, setFiles] = useState<(ReceivedFile & { from: string })[]>([]);
  // The session's changes (streams, quality) re-render the owner, and with it the call screen.
  const [, bump] = useReducer((n: number) => n + 1, 0);

  const start = (socket: Socket, callId: string, local: MediaStream, iceServers: RTCIceServer[]): CallSession => {
    const created = new CallSession(socket, callId, local, iceServers, {
      changed: bump,
      chat: (entry) => setChat((all) => [...all, entry]),
      file: (from, file) => setFiles((all) => [...all, { ...file, from }]),
    });
    setChat([]);
    setFiles([]);
    setSession(created);
    return created;
  };

  const stop = (): void => {
    session?.close();
    for (const track of session?.local.getTracks() ?? []) track.stop();
    setSession(null);
  };

  useEffect(() => () => session?.close(), [session]);
  return { session, chat, files, start, stop };
}
