import { useEffect, useRef } from 'react';
import { MinutesWarning } from '../billing/MinutesWarning';
import { useTranslation } from 'react-i18next';
import type { AccountSettings } from '../../../src-preload/contract';
import { StaffCallController } from '../../calls/callController';
import { CallScreen } from '../../calls/CallScreen';
import { CallSession } from '../../calls/callSession';
import { connectSignalling } from '../../calls/signallingClient';
import { useAppStore } from '../store';
import { useCallState, useCallStore } from './callStore';
import { knockSound, ring } from './tones';

export const AUTO_ANSWER_MS = 5_000;

const constraints = (settings: AccountSettings | null, video: boolean): MediaStreamConstraints => ({
  video: video ? (settings?.cameraId ? { deviceId: { ideal: settings.cameraId } } : true) : false,
  audio: settings?.microphoneId ? { deviceId: { ideal: settings.microphoneId } } : true,
});

/** Makes the call controller for a signed-in session: the socket, media, the log and notifications. */
function startController(serverUrl: string): { controller: StaffCallController; stop: () => void } {
  let closed = false;
  // Read at each (re)connection, after the controller exists.
  let live: () => string | null = () => null;
  const socket = connectSignalling(
    serverUrl,
    async () => {
      const ticket = await window.clinic.calls.ticket();
      if (!ticket.ok) throw new Error(ticket.error.code);
      return { ticket: ticket.value.ticket };
    },
    () => live(),
  );
  const preferences = () => useCallStore.getState().preferences;
  const controller = new StaffCallController({
    socket,
    media: {
      camera: () => navigator.mediaDevices.getUserMedia(constraints(preferences(), true)),
      microphone: () => navigator.mediaDevices.getUserMedia(constraints(preferences(), false)),
    },
    iceServers: async () => {
      const servers = await window.clinic.calls.iceServers();
      return servers.ok ? servers.value : [];
    },
    createSession: (channel, callId, local, ice, events) => new CallSession(channel, callId, local, ice, events),
    log: async (row) => {
      await window.clinic.callLog.add(row);
      const missed = await window.clinic.callLog.missed();
      if (missed.ok) useCallStore.getState().set({ missedBadge: missed.value });
    },
    notify: (kind, name) => {
      if (kind === 'knock' && !preferences()?.mute) knockSound();
      void window.clinic.calls.notify({ kind, name });
    },
  });
  live = () => controller.liveCallId();
  socket.on('connect', () => void controller.connected());
  // Another workstation of the practice changed something: pull it now rather than at the next timer.
  socket.on('sync:changed', () => void window.clinic.sync.now());
  socket.on('disconnect', (reason) => {
    controller.disconnected();
    // The server closed it (a password change or sign-out elsewhere ends sessions): a new ticket, again.
    if (reason === 'io server disconnect' && !closed) setTimeout(() => !closed && socket.connect(), 2000);
  });
  // Refused (no ticket while offline, an expired session): socket.io gives up, so try again later.
  socket.on('connect_error', () => {
    if (!closed && !socket.active) setTimeout(() => !closed && !socket.connected && socket.connect(), 5000);
  });
  return {
    controller,
    stop: () => {
      closed = true;
      controller.close(); // signed out during a call: hang up
      socket.disconnect();
    },
  };
}

/**
 * Owns the call controller while signed in: incoming calls (ringtone, notification, auto-answer after 5 s
 * when set or in call-station mode), patients knocking, and the call in progress (shown over every view).
 */
export function CallCenter() {
  const { t } = useTranslation('common');
  const account = useAppStore((s) => s.account);
  const serverUrl = useAppStore((s) => s.settings?.serverUrl);
  const callStation = useAppStore((s) => s.settings?.callStation ?? false);
  const ready = Boolean(account?.signedIn && account.profile?.registered && account.profile.licence);
  const controller = useCallStore((s) => s.controller);
  const knocks = useCallState((s) => s.knocks);
  const incoming = useCallState((s) => s.incoming);
  const current = useCallState((s) => s.current);
  const session = useCallState((s) => s.session);
  const chat = useCallState((s) => s.chat);
  const files = useCallState((s) => s.files);
  useCallState((s) => s.revision); // the session's streams and quality re-render the call screen
  const preferences = useCallStore((s) => s.preferences);
  const stopRinging = useRef<(() => void) | null>(null);

  useEffect(() => {
    if (!ready || !serverUrl) return;
    const { controller: created, stop } = startController(serverUrl);
    useCallStore.getState().set({ controller: created });
    void window.clinic.account.settings().then((r) => r.ok && useCallStore.getState().set({ preferences: r.value }));
    void window.clinic.callLog.missed().then((r) => r.ok && useCallStore.getState().set({ missedBadge: r.value }));
    return () => {
      stop();
      useCallStore.getState().set({ controller: null });
    };
  }, [ready, serverUrl]);

  // Ringing: the tone (unless muted), and auto-answer after 5 s when set (always in call-station mode).
  const autoAnswers = Boolean(preferences?.autoAnswer || callStation);
  useEffect(() => {
    if (!incoming || !controller) return;
    if (!useCallStore.getState().preferences?.mute) stopRinging.current = ring();
    const timer = autoAnswers ? setTimeout(() => void controller.accept(), AUTO_ANSWER_MS) : undefined;
    return () => {
      clearTimeout(timer);
      stopRinging.current?.();
      stopRinging.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- per incoming call
  }, [incoming?.callId, controller]);

  if (!controller) return null;
  return (
    <>
      {knocks.length > 0 && (
        <div className="knocks" role="alert">
          {knocks.map((knock) => (
            <div key={knock.callId} className="banner knock" data-testid="knock-banner">
              <span>{t('calls.knock', { name: knock.guest.name })}</span>
              <button type="button" onClick={() => void controller.admit(knock.callId)} data-testid="knock-admit">
                {t('calls.admit')}
              </button>
              <button type="button" className="secondary" onClick={() => void controller.deny(knock.callId)}>
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
          {incoming.accepting ? (
            <span className="hint">{t('calls.startingCamera')}</span>
          ) : (
            autoAnswers && <span className="hint">{t('calls.autoAnswer', { seconds: AUTO_ANSWER_MS / 1000 })}</span>
          )}
          <button
            type="button"
            onClick={() => void controller.accept()}
            disabled={incoming.accepting}
            data-testid="incoming-accept"
          >
            {t('calls.accept')}
          </button>
          <button
            type="button"
            className="danger"
            onClick={() => void controller.decline()}
            data-testid="incoming-decline"
          >
            {t('calls.decline')}
          </button>
        </div>
      )}
      {session && current && (
        <div className="call-overlay" data-testid="call-overlay">
          <MinutesWarning current={current} />
          <CallScreen
            title={t('calls.with', { name: current.peerName })}
            session={session}
            chat={chat}
            files={files}
            autoDownload={preferences?.autoDownload ?? false}
            onHangUp={() => controller.endCall(true)}
          />
        </div>
      )}
    </>
  );
}
