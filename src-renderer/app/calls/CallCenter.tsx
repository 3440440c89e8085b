import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { Socket } from 'socket.io-client';
import type { AccountSettings } from '../../../src-preload/contract';
import { CallScreen } from '../../calls/CallScreen';
import type { CallSession } from '../../calls/callSession';
import { connectSignalling, request, SignalError } from '../../calls/signallingClient';
import { useCallSession } from '../../calls/useCallSession';
import { useAppStore } from '../store';
import { useCallStore, type Current } from './callStore';
import { knockSound, ring } from './tones';

export const AUTO_ANSWER_MS = 5_000;

type Peer = { id: string; name: string };

/** The call actions the views use; set once the call centre is mounted. */
export const callActions = {
  call: async (_contact: Peer): Promise<void> => {},
  meeting: async (_name: string, _invitees: string[]): Promise<void> => {},
  admit: async (_callId: string): Promise<void> => {},
  deny: async (_callId: string): Promise<void> => {},
};

async function media(settings: AccountSettings | null): Promise<MediaStream> {
  return navigator.mediaDevices.getUserMedia({
    video: settings?.cameraId ? { deviceId: { ideal: settings.cameraId } } : true,
    audio: settings?.microphoneId ? { deviceId: { ideal: settings.microphoneId } } : true,
  });
}

/**
 * Owns the signalling socket while signed in: presence, incoming calls (ringtone, notification, auto-answer
 * after 5 s when set or in call-station mode), patients knocking, the call in progress (shown over every
 * view), and the call log row written when a call ends.
 */
export function CallCenter() {
  const { t } = useTranslation('common');
  const account = useAppStore((s) => s.account);
  const serverUrl = useAppStore((s) => s.settings?.serverUrl);
  const callStation = useAppStore((s) => s.settings?.callStation ?? false);
  const ready = Boolean(account?.signedIn && account.profile?.registered && account.profile.licence);
  const store = useCallStore();
  const calls = useCallSession();
  const sessionRef = useRef<CallSession | null>(null);
  const ice = useRef<RTCIceServer[]>([]);
  const stopRinging = useRef<(() => void) | null>(null);

  const log = async (current: Current, status: 'answered' | 'missed' | 'declined' | 'busy' | 'cancelled') => {
    await window.clinic.callLog.add({
      direction: current.direction,
      peerName: current.peerName,
      kind: current.kind,
      status,
      startedAt: current.startedAt,
      answeredAt: current.answeredAt,
      endedAt: Date.now(),
    });
    const missed = await window.clinic.callLog.missed();
    if (missed.ok) useCallStore.getState().set({ missedBadge: missed.value });
  };

  const endCall = (notify = true) => {
    const { current, socket } = useCallStore.getState();
    if (current && notify && socket) socket.emit('call:hangup', { callId: current.callId });
    sessionRef.current?.close();
    sessionRef.current?.local.getTracks().forEach((track) => track.stop());
    sessionRef.current = null;
    calls.stop();
    if (current) void log(current, current.answeredAt ? 'answered' : 'cancelled');
    useCallStore.getState().set({ current: null });
  };

  const startSession = async (socket: Socket, callId: string, stream?: MediaStream): Promise<CallSession> => {
    const local = stream ?? (await media(useCallStore.getState().preferences));
    sessionRef.current = calls.start(socket, callId, local, ice.current);
    return sessionRef.current;
  };

  useEffect(() => {
    if (!ready || !serverUrl) return;
    let closed = false;
    const socket = connectSignalling(serverUrl, async () => {
      const ticket = await window.clinic.calls.ticket();
      if (!ticket.ok) throw new Error(ticket.error.code);
      return { ticket: ticket.value.ticket };
    });
    const state = useCallStore.getState();
    state.set({ socket });
    void window.clinic.account.settings().then((r) => {
      if (!r.ok) return;
      useCallStore.getState().set({ preferences: r.value });
    });
    void window.clinic.calls.iceServers().then((r) => {
      if (r.ok) ice.current = r.value as RTCIceServer[];
    });
    void window.clinic.callLog.missed().then((r) => r.ok && useCallStore.getState().set({ missedBadge: r.value }));

    socket.on('connect', () => {
      useCallStore.getState().set({ connected: true });
      void request<{ statuses: Record<string, string> }>(socket, 'presence:watch', {}).then(
        ({ statuses }) => useCallStore.getState().set({ statuses }),
        () => {},
      );
    });
    socket.on('disconnect', (reason) => {
      useCallStore.getState().set({ connected: false });
      // The server closed it (a password change or sign-out elsewhere ends sessions): a new ticket, again.
      if (reason === 'io server disconnect' && !closed) setTimeout(() => !closed && socket.connect(), 2000);
    });
    // Refused (no ticket while offline, an expired session): socket.io gives up, so try again later.
    socket.on('connect_error', () => {
      if (!closed && !socket.active) setTimeout(() => !closed && !socket.connected && socket.connect(), 5000);
    });
    socket.on('presence', ({ id, status }: { id: string; status: string }) =>
      useCallStore.getState().set({ statuses: { ...useCallStore.getState().statuses, [id]: status } }),
    );
    socket.on('call:incoming', (incoming: { callId: string; kind: 'contact' | 'group'; name: string; from: Peer }) => {
      useCallStore.getState().set({ incoming: { ...incoming, at: Date.now() } });
      void window.clinic.calls.notify({ kind: 'incoming', name: incoming.from.name });
    });
    const closeIncoming = (callId: string, status: 'missed' | 'cancelled') => {
      const incoming = useCallStore.getState().incoming;
      if (incoming?.callId !== callId) return;
      useCallStore.getState().set({ incoming: null });
      void log(
        {
          callId,
          kind: incoming.kind,
          direction: 'incoming',
          peerName: incoming.from.name,
          startedAt: incoming.at,
          answeredAt: null,
        },
        status,
      );
      if (status === 'missed') void window.clinic.calls.notify({ kind: 'missed', name: incoming.from.name });
    };
    socket.on('call:missed', ({ callId }: { callId: string }) => closeIncoming(callId, 'missed'));
    // Taken (or declined) on another of this user's devices: stop ringing here, without a log row.
    socket.on('call:answered-elsewhere', ({ callId }: { callId: string }) => {
      if (useCallStore.getState().incoming?.callId === callId) useCallStore.getState().set({ incoming: null });
    });
    socket.on('call:cancelled', ({ callId }: { callId: string }) => closeIncoming(callId, 'missed'));
    socket.on('call:knock', (knock: { callId: string; guest: Peer }) => {
      const knocks = useCallStore.getState().knocks.filter((k) => k.callId !== knock.callId);
      useCallStore.getState().set({ knocks: [...knocks, { ...knock, at: Date.now() }] });
      if (!useCallStore.getState().preferences?.mute) knockSound();
      void window.clinic.calls.notify({ kind: 'knock', name: knock.guest.name });
    });
    socket.on('call:peer-joined', ({ callId, peer }: { callId: string; peer: Peer }) => {
      const current = useCallStore.getState().current;
      if (current?.callId !== callId) return;
      if (!current.answeredAt) useCallStore.getState().set({ current: { ...current, answeredAt: Date.now() } });
      sessionRef.current?.connect(peer, true);
    });
    socket.on('call:knock-withdrawn', ({ callId }: { callId: string }) =>
      useCallStore.getState().set({ knocks: useCallStore.getState().knocks.filter((k) => k.callId !== callId) }),
    );
    socket.on('call:rejoin', ({ callId, kind, peers }: { callId: string; kind: Current['kind']; peers: Peer[] }) => {
      if (sessionRef.current?.callId === callId) return;
      const now = Date.now();
      useCallStore.getState().set({
        current: {
          callId,
          kind,
          direction: 'outgoing',
          peerName: peers.map((p) => p.name).join(', '),
          startedAt: now,
          answeredAt: now,
        },
      });
      void startSession(socket, callId).then((session) => peers.forEach((p) => session.expect(p)));
    });
    const isCurrent = (callId: string) => useCallStore.getState().current?.callId === callId;
    socket.on('call:peer-left', ({ callId, peerId }: { callId: string; peerId: string }) => {
      if (isCurrent(callId)) sessionRef.current?.drop(peerId);
    });
    socket.on('call:ended', ({ callId }: { callId: string }) => {
      if (isCurrent(callId)) endCall(false);
    });
    // A meeting goes on when one invitee declines; a one-to-one call ends with the server's call:ended.
    socket.on('call:declined', ({ callId }: { callId: string }) => {
      if (isCurrent(callId)) useCallStore.getState().set({ notice: 'declined' });
    });
    socket.on('call:no-answer', ({ callId }: { callId: string }) => {
      if (isCurrent(callId)) useCallStore.getState().set({ notice: 'noAnswer' });
    });

    /** A call or a meeting we start: media first, then the invitation, then the session. */
    const startOutgoing = async (
      kind: 'contact' | 'group',
      peerName: string,
      invite: () => Promise<{ callId: string }>,
    ): Promise<void> => {
      if (closed) return;
      useCallStore.getState().set({ notice: null });
      // Camera and microphone first: the callee may accept at once, and then we must be ready to connect.
      let local: MediaStream;
      try {
        local = await media(useCallStore.getState().preferences);
      } catch {
        useCallStore.getState().set({ notice: 'noMedia' });
        return;
      }
      const startedAt = Date.now();
      try {
        const { callId } = await invite();
        useCallStore.getState().set({
          current: { callId, kind, direction: 'outgoing', peerName, startedAt, answeredAt: null },
        });
        await startSession(socket, callId, local);
      } catch (error) {
        local.getTracks().forEach((track) => track.stop());
        const code = error instanceof SignalError ? error.code : 'failed';
        useCallStore.getState().set({ notice: code === 'busy' || code === 'unavailable' ? code : 'failed' });
        if (code === 'busy' && kind === 'contact')
          void log({ callId: '', kind, direction: 'outgoing', peerName, startedAt, answeredAt: null }, 'busy');
      }
    };
    callActions.call = (contact) =>
      startOutgoing('contact', contact.name, () => request(socket, 'call:invite', { to: contact.id }));
    callActions.meeting = (name, invitees) =>
      startOutgoing('group', name, () => request(socket, 'meeting:create', { name, invitees }));
    callActions.admit = async (callId) => {
      const knock = useCallStore.getState().knocks.find((k) => k.callId === callId);
      if (!knock) return;
      if (useCallStore.getState().current) {
        useCallStore.getState().set({ notice: 'inCall' });
        return;
      }
      const session = await startSession(socket, callId);
      session.expect(knock.guest);
      useCallStore.getState().set({
        knocks: useCallStore.getState().knocks.filter((k) => k.callId !== callId),
        current: {
          callId,
          kind: 'guest',
          direction: 'incoming',
          peerName: knock.guest.name,
          startedAt: knock.at,
          answeredAt: Date.now(),
        },
      });
      await request(socket, 'call:admit', { callId }).catch(() => endCall(false));
    };
    callActions.deny = async (callId) => {
      useCallStore.getState().set({ knocks: useCallStore.getState().knocks.filter((k) => k.callId !== callId) });
      await request(socket, 'call:deny', { callId }).catch(() => {});
    };
    return () => {
      closed = true;
      if (useCallStore.getState().current) endCall(true); // signed out during a call
      socket.disconnect();
      useCallStore.getState().set({ socket: null, connected: false, knocks: [], incoming: null });
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- one socket per signed-in session and server
  }, [ready, serverUrl]);

  const accept = async () => {
    const { incoming: call, socket } = useCallStore.getState();
    if (!call || !socket) return;
    useCallStore.getState().set({ incoming: null });
    const session = await startSession(socket, call.callId);
    useCallStore.getState().set({
      current: {
        callId: call.callId,
        kind: call.kind,
        direction: 'incoming',
        peerName: call.kind === 'group' ? call.name : call.from.name,
        startedAt: call.at,
        answeredAt: Date.now(),
      },
    });
    try {
      const { peers } = await request<{ peers: Peer[] }>(socket, 'call:accept', { callId: call.callId });
      peers.forEach((p) => session.expect(p));
    } catch {
      endCall(false);
    }
  };

  const decline = async () => {
    const { incoming: call, socket } = useCallStore.getState();
    if (!call || !socket) return;
    useCallStore.getState().set({ incoming: null });
    await request(socket, 'call:decline', { callId: call.callId }).catch(() => {});
    void log(
      {
        callId: call.callId,
        kind: call.kind,
        direction: 'incoming',
        peerName: call.kind === 'group' ? call.name : call.from.name,
        startedAt: call.at,
        answeredAt: null,
      },
      'declined',
    );
  };

  // Ringing: the tone (unless muted), and auto-answer after 5 s when set (always in call-station mode).
  const incoming = store.incoming;
  const autoAnswers = Boolean(store.preferences?.autoAnswer || callStation);
  useEffect(() => {
    if (!incoming) return;
    if (!useCallStore.getState().preferences?.mute) stopRinging.current = ring();
    let timer: ReturnType<typeof setTimeout> | undefined;
    if (useCallStore.getState().preferences?.autoAnswer || callStation)
      timer = setTimeout(() => void accept(), AUTO_ANSWER_MS);
    return () => {
      clearTimeout(timer);
      stopRinging.current?.();
      stopRinging.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- per incoming call
  }, [incoming?.callId]);

  return (
    <>
      {store.knocks.length > 0 && (
        <div className="knocks" role="alert">
          {store.knocks.map((knock) => (
            <div key={knock.callId} className="banner knock" data-testid="knock-banner">
              <span>{t('calls.knock', { name: knock.guest.name })}</span>
              <button type="button" onClick={() => void callActions.admit(knock.callId)} data-testid="knock-admit">
                {t('calls.admit')}
              </button>
              <button type="button" className="secondary" onClick={() => void callActions.deny(knock.callId)}>
                {t('calls.deny')}
              </button>
            </div>
          ))}
        </div>
      )}
      {incoming && (
        <div
          className="incoming banner"
          role="alertdialog"
          aria-label={t('calls.incoming')}
          data-testid="incoming-call"
        >
          <span>
            {incoming.kind === 'group'
              ? t('calls.meetingFrom', { name: incoming.from.name, meeting: incoming.name })
              : t('calls.incomingFrom', { name: incoming.from.name })}
          </span>
          {autoAnswers && <span className="hint">{t('calls.autoAnswer', { seconds: AUTO_ANSWER_MS / 1000 })}</span>}
          <button type="button" onClick={() => void accept()} data-testid="incoming-accept">
            {t('calls.accept')}
          </button>
          <button type="button" className="danger" onClick={() => void decline()} data-testid="incoming-decline">
            {t('calls.decline')}
          </button>
        </div>
      )}
      {calls.session && store.current && (
        <div className="call-overlay" data-testid="call-overlay">
          <p className="hint">{t('calls.with', { name: store.current.peerName })}</p>
          <CallScreen
            session={calls.session}
            chat={calls.chat}
            files={calls.files}
            autoDownload={store.preferences?.autoDownload ?? false}
            onHangUp={() => endCall(true)}
          />
        </div>
      )}
    </>
  );
}
