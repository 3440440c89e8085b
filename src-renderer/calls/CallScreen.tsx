import { useEffect, useId, useRef, useState, type FormEvent, type PointerEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ReceivedFile } from './fileTransfer';
import type { CallSession, ChatEntry, RemotePeer } from './callSession';

/** Plays a MediaStream in a <video> (React cannot set srcObject as an attribute). */
export function StreamVideo({
  stream,
  muted,
  testId,
}: {
  stream: MediaStream | null;
  muted?: boolean;
  testId?: string;
}) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    if (ref.current && ref.current.srcObject !== stream) ref.current.srcObject = stream;
  }, [stream]);
  return <video ref={ref} autoPlay playsInline muted={muted} data-testid={testId} />;
}

export interface CallScreenProps {
  session: CallSession;
  chat: ChatEntry[];
  files: (ReceivedFile & { from: string })[];
  /** Download received files at once (the account's setting); otherwise they wait for a click. */
  autoDownload: boolean;
  onHangUp: () => void;
  /** Staff see the route (direct/relayed) and may share their screen; patients get plain words only. */
  audience?: 'staff' | 'patient';
  /** Who is on the other side, shown above the video (the patient's or colleague's name). */
  title?: string;
}

/** Corners the self-view can sit in; dragging drops it in the nearest, the button moves it on. */
const CORNERS = ['bottom-right', 'bottom-left', 'top-left', 'top-right'] as const;
type Corner = (typeof CORNERS)[number];

/** mm:ss (or h:mm:ss) since the other side joined. */
function elapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const [h, m, s] = [Math.floor(total / 3600), Math.floor((total % 3600) / 60), total % 60];
  const two = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${two(m)}:${two(s)}`;
}

/** Line icons as inline SVG paths: no emoji or icon font needed on the practice's machine or the phone. */
const ICONS = {
  mic: 'M12 3a3 3 0 0 0-3 3v6a3 3 0 0 0 6 0V6a3 3 0 0 0-3-3zM5 11a7 7 0 0 0 14 0M12 18v3M8 21h8',
  micOff: 'M12 3a3 3 0 0 0-3 3v6a3 3 0 0 0 6 0V6a3 3 0 0 0-3-3zM5 11a7 7 0 0 0 14 0M12 18v3M8 21h8M3 3l18 18',
  camera: 'M3 7h12v10H3zM15 10l6-3v10l-6-3',
  cameraOff: 'M3 7h12v10H3zM15 10l6-3v10l-6-3M3 3l18 18',
  screen: 'M3 4h18v12H3zM8 20h8M12 16v4',
  chat: 'M4 5h16v11H9l-5 4z',
  audio: 'M4 9h4l5-4v14l-5-4H4zM16 9a4 4 0 0 1 0 6M18.5 6.5a8 8 0 0 1 0 11',
  hangUp: 'M3 14c5-5 13-5 18 0l-2.5 2.5-3.5-1.5v-2.5a11 11 0 0 0-6 0V15l-3.5 1.5z',
  move: 'M4 9V4h5M20 15v5h-5M4 4l6 6M20 20l-6-6',
} as const;

function Icon({ name }: { name: keyof typeof ICONS }) {
  return (
    <svg viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" focusable="false">
      <path
        d={ICONS[name]}
        fill="none"
        stroke="currentColor"
        strokeWidth="1.8"
        strokeLinecap="round"
        strokeLinejoin="round"
      />
    </svg>
  );
}

/** One large control: an icon, a short label below it, the full sentence as tooltip and accessible name. */
function Control({
  icon,
  label,
  hint,
  testId,
  pressed,
  disabled,
  danger,
  onClick,
}: {
  icon: keyof typeof ICONS;
  label: string;
  hint: string;
  testId: string;
  pressed?: boolean;
  disabled?: boolean;
  danger?: boolean;
  onClick: () => void;
}) {
  return (
    <button
      type="button"
      className={danger ? 'control danger' : 'control'}
      title={hint}
      aria-label={hint}
      aria-pressed={pressed}
      disabled={disabled}
      onClick={onClick}
      data-testid={testId}
    >
      <span className="control-icon">
        <Icon name={icon} />
      </span>
      <span className="control-label" aria-hidden="true">
        {label}
      </span>
    </button>
  );
}

/**
 * The call itself, for the practitioner and the patient alike, laid out as Jitsi Meet and doxy.me users
 * know it: the other side's video fills the stage, the self-view is a small picture-in-picture that can be
 * moved, a bar of large controls sits at the bottom (microphone, camera, screen sharing, chat, audio only,
 * hang up), the chat is a side panel that never pushes the controls off screen, and the name, the call's
 * time and the connection quality in plain words are on top.
 */
export function CallScreen({
  session,
  chat,
  files,
  autoDownload,
  onHangUp,
  audience = 'staff',
  title,
}: CallScreenProps) {
  const { t } = useTranslation('guest');
  const [mic, setMic] = useState(true);
  const [camera, setCamera] = useState(true);
  const [audioOnly, setAudioOnly] = useState(false);
  const [chatOpen, setChatOpen] = useState(() => window.matchMedia?.('(min-width: 900px)').matches ?? true);
  const [corner, setCorner] = useState<Corner>('bottom-right');
  const [since, setSince] = useState<number | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const [text, setText] = useState('');
  const [unread, setUnread] = useState(0);
  const seen = useRef(chat.length + files.length);
  const stage = useRef<HTMLDivElement>(null);
  const fileId = useId();
  const remotes = session.remotes;
  const main = remotes[0];

  // The timer starts when the other side is there (seen at the next tick), and ticks once a second.
  const present = useRef(false);
  useEffect(() => {
    present.current = remotes.length > 0;
  }, [remotes.length]);
  useEffect(() => {
    const timer = setInterval(() => {
      const at = Date.now();
      setNow(at);
      if (present.current) setSince((started) => started ?? at);
    }, 1000);
    return () => clearInterval(timer);
  }, []);
  // Messages that arrive while the chat is closed are counted on its button.
  useEffect(() => {
    const count = chat.length + files.length;
    if (!chatOpen && count > seen.current) setUnread((n) => n + count - seen.current);
    seen.current = count;
  }, [chat.length, files.length, chatOpen]);

  const send = (event: FormEvent) => {
    event.preventDefault();
    if (!text.trim()) return;
    session.sendChat(text.trim());
    setText('');
  };

  /** Drops the self-view in the corner nearest to where the pointer let go. */
  const drop = (event: PointerEvent<HTMLElement>) => {
    const box = stage.current?.getBoundingClientRect();
    if (!box) return;
    const right = event.clientX > box.left + box.width / 2;
    const bottom = event.clientY > box.top + box.height / 2;
    setCorner(`${bottom ? 'bottom' : 'top'}-${right ? 'right' : 'left'}` as Corner);
  };

  return (
    <section className={chatOpen ? 'call chat-open' : 'call'} data-testid="call-screen">
      <header className="call-top">
        <strong className="call-title" data-testid="call-title">
          {title ?? main?.name ?? ''}
        </strong>
        {since !== null && (
          <span className="call-timer" data-testid="call-timer" aria-label={t('call.duration')}>
            {elapsed(now - since)}
          </span>
        )}
        {main && <QualityBadge remote={main} showRoute={audience === 'staff'} />}
      </header>
      <div className="stage" ref={stage}>
        <div className={remotes.length > 1 ? 'remotes several' : 'remotes'}>
          {remotes.map((remote) => (
            <figure key={remote.id} className="remote" data-peer={remote.id}>
              <StreamVideo stream={remote.stream} testId="remote-video" />
              <figcaption>
                {remote.name}
                {remotes.length > 1 && (
                  <>
                    {' '}
                    <QualityBadge remote={remote} showRoute={audience === 'staff'} />
                  </>
                )}
              </figcaption>
            </figure>
          ))}
          {remotes.length === 0 && <p className="hint">{t('call.waitingForOthers')}</p>}
        </div>
        <figure
          className={`local ${corner}`}
          data-testid="self-view"
          data-corner={corner}
          onPointerDown={(event) => {
            // Drag the picture (not its button): the pointer stays with it until released.
            if (!(event.target as HTMLElement).closest('button'))
              event.currentTarget.setPointerCapture(event.pointerId);
          }}
          onPointerUp={(event) => {
            if (event.currentTarget.hasPointerCapture(event.pointerId)) drop(event);
          }}
          draggable={false}
        >
          <StreamVideo stream={session.local} muted testId="local-video" />
          <figcaption>
            {t('call.you')}{' '}
            <button
              type="button"
              className="link"
              data-testid="self-view-move"
              title={t('call.moveSelf')}
              aria-label={t('call.moveSelf')}
              onClick={() => setCorner(CORNERS[(CORNERS.indexOf(corner) + 1) % CORNERS.length]!)}
            >
              <Icon name="move" />
            </button>
          </figcaption>
        </figure>
      </div>
      <div className="controls" role="toolbar" aria-label={t('call.controls')}>
        <Control
          icon={mic ? 'mic' : 'micOff'}
          label={mic ? t('call.micOff') : t('call.micOn')}
          hint={mic ? t('call.micOffHint') : t('call.micOnHint')}
          pressed={!mic}
          testId="call-mic"
          onClick={() => {
            session.setMicrophone(!mic);
            setMic(!mic);
          }}
        />
        <Control
          icon={camera ? 'camera' : 'cameraOff'}
          label={camera ? t('call.cameraOff') : t('call.cameraOn')}
          hint={camera ? t('call.cameraOffHint') : t('call.cameraOnHint')}
          pressed={!camera}
          disabled={audioOnly}
          testId="call-camera"
          onClick={() => {
            session.setCamera(!camera);
            setCamera(!camera);
          }}
        />
        {audience === 'staff' && (
          <Control
            icon="screen"
            label={t('call.share')}
            hint={t('call.shareHint')}
            disabled={audioOnly}
            testId="call-share"
            onClick={() => void session.shareScreen().catch(() => {})}
          />
        )}
        <Control
          icon="chat"
          label={unread > 0 ? `${t('call.chat')} (${unread})` : t('call.chat')}
          hint={chatOpen ? t('call.chatHide') : t('call.chatShow')}
          pressed={chatOpen}
          testId="call-chat"
          onClick={() => {
            setChatOpen(!chatOpen);
            setUnread(0);
          }}
        />
        <Control
          icon="audio"
          label={t('call.audioOnly')}
          hint={t('call.audioOnlyHint')}
          pressed={audioOnly}
          disabled={audioOnly}
          testId="call-audio-only"
          onClick={() => {
            session.audioOnly();
            setAudioOnly(true);
            setCamera(false);
          }}
        />
        <Control
          icon="hangUp"
          label={t('call.hangUp')}
          hint={t('call.hangUpHint')}
          danger
          testId="call-hangup"
          onClick={onHangUp}
        />
      </div>
      <aside className="chat" aria-label={t('call.chat')} hidden={!chatOpen} data-testid="chat-panel">
        <ol className="plain" data-testid="chat-log" aria-live="polite">
          {chat.map((entry, index) => (
            <li key={index} className={entry.own ? 'own' : ''}>
              <strong>{entry.own ? t('call.you') : entry.from}:</strong> {entry.text}
            </li>
          ))}
          {files.map((file) => (
            <li key={file.id} data-testid="received-file" data-sha256={file.sha256} data-intact={file.intact}>
              {file.intact ? (
                <FileLink file={file} autoDownload={autoDownload} />
              ) : (
                <span className="field-error">{t('call.fileDamaged', { name: file.name })}</span>
              )}
            </li>
          ))}
        </ol>
        <form onSubmit={send} className="row">
          <input
            aria-label={t('call.message')}
            value={text}
            onChange={(e) => setText(e.target.value)}
            maxLength={4000}
            data-testid="chat-input"
          />
          <button type="submit" data-testid="chat-send">
            {t('call.send')}
          </button>
        </form>
        <label htmlFor={fileId} className="link">
          {t('call.sendFile')}
        </label>
        <input
          id={fileId}
          type="file"
          className="sr-only"
          data-testid="chat-file"
          onChange={async (e) => {
            const file = e.target.files?.[0];
            if (file) await session.sendFile(file);
            e.target.value = '';
          }}
        />
      </aside>
    </section>
  );
}

function QualityBadge({ remote, showRoute }: { remote: RemotePeer; showRoute: boolean }) {
  const { t } = useTranslation('guest');
  return (
    <>
      <span className={`quality ${remote.quality}`} data-testid="call-quality" data-quality={remote.quality}>
        {t(`call.quality.${remote.quality}`)}
      </span>
      {showRoute && remote.relayed !== null && (
        <span className="chip" data-testid="call-route" data-relayed={remote.relayed}>
          {remote.relayed ? t('call.relayed') : t('call.direct')}
        </span>
      )}
    </>
  );
}

function FileLink({ file, autoDownload }: { file: ReceivedFile & { from: string }; autoDownload: boolean }) {
  const { t } = useTranslation('guest');
  const [url] = useState(() => URL.createObjectURL(file.blob));
  const ref = useRef<HTMLAnchorElement>(null);
  useEffect(() => {
    if (autoDownload) ref.current?.click();
    return () => URL.revokeObjectURL(url);
  }, [autoDownload, url]);
  return (
    <a ref={ref} href={url} download={file.name}>
      {t('call.fileFrom', { name: file.name, from: file.from })}
    </a>
  );
}
