import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
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
}

/**
 * The call itself, for the practitioner and the patient alike: videos, camera/microphone switches, screen
 * sharing, audio only, quality and relay indicators, chat and file transfer, hang up.
 */
export function CallScreen({ session, chat, files, autoDownload, onHangUp }: CallScreenProps) {
  const { t } = useTranslation('guest');
  const [mic, setMic] = useState(true);
  const [camera, setCamera] = useState(true);
  const [audioOnly, setAudioOnly] = useState(false);
  const [text, setText] = useState('');
  const fileId = useId();
  const remotes = session.remotes;

  const send = (event: FormEvent) => {
    event.preventDefault();
    if (!text.trim()) return;
    session.sendChat(text.trim());
    setText('');
  };

  return (
    <section className="call" data-testid="call-screen">
      <div className="videos">
        {remotes.map((remote) => (
          <figure key={remote.id} className="remote" data-peer={remote.id}>
            <StreamVideo stream={remote.stream} testId="remote-video" />
            <figcaption>
              {remote.name} <QualityBadge remote={remote} />
            </figcaption>
          </figure>
        ))}
        {remotes.length === 0 && <p className="hint">{t('call.waitingForOthers')}</p>}
        <figure className="local">
          <StreamVideo stream={session.local} muted testId="local-video" />
          <figcaption>{t('call.you')}</figcaption>
        </figure>
      </div>
      <div className="controls" role="toolbar" aria-label={t('call.controls')}>
        <button
          type="button"
          aria-pressed={!mic}
          onClick={() => {
            session.setMicrophone(!mic);
            setMic(!mic);
          }}
          data-testid="call-mic"
        >
          {mic ? t('call.micOff') : t('call.micOn')}
        </button>
        <button
          type="button"
          aria-pressed={!camera}
          disabled={audioOnly}
          onClick={() => {
            session.setCamera(!camera);
            setCamera(!camera);
          }}
          data-testid="call-camera"
        >
          {camera ? t('call.cameraOff') : t('call.cameraOn')}
        </button>
        <button
          type="button"
          disabled={audioOnly}
          onClick={() => void session.shareScreen().catch(() => {})}
          data-testid="call-share"
        >
          {t('call.share')}
        </button>
        <button
          type="button"
          disabled={audioOnly}
          onClick={() => {
            session.audioOnly();
            setAudioOnly(true);
            setCamera(false);
          }}
          data-testid="call-audio-only"
        >
          {t('call.audioOnly')}
        </button>
        <button type="button" className="danger" onClick={onHangUp} data-testid="call-hangup">
          {t('call.hangUp')}
        </button>
      </div>
      <aside className="chat" aria-label={t('call.chat')}>
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

function QualityBadge({ remote }: { remote: RemotePeer }) {
  const { t } = useTranslation('guest');
  return (
    <>
      <span className={`quality ${remote.quality}`} data-testid="call-quality" data-quality={remote.quality}>
        {t(`call.quality.${remote.quality}`)}
      </span>
      {remote.relayed !== null && (
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
