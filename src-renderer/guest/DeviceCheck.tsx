import { useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { StreamVideo } from '../calls/CallScreen';

/**
 * Camera preview, microphone level and device choice before joining. Hands the chosen stream on, so the
 * call starts with exactly what the patient saw here. A refused or missing camera is not the end: the
 * patient joins with sound only, and is told in plain words how to allow the camera.
 */
export function DeviceCheck({ onReady }: { onReady: (stream: MediaStream) => void }) {
  const { t } = useTranslation('guest');
  const [stream, setStream] = useState<MediaStream | null>(null);
  const [devices, setDevices] = useState<MediaDeviceInfo[]>([]);
  const [camera, setCamera] = useState('');
  const [microphone, setMicrophone] = useState('');
  const [level, setLevel] = useState(0);
  const [failed, setFailed] = useState(false);
  const [cameraProblem, setCameraProblem] = useState<'denied' | 'missing' | null>(null);
  const handedOver = useRef(false);
  const ids = { camera: useId(), microphone: useId() };

  useEffect(() => {
    let cancelled = false;
    let current: MediaStream | null = null;
    let audio: AudioContext | null = null;
    let frame = 0;
    const audioOnly = { audio: microphone ? { deviceId: { exact: microphone } } : true };
    navigator.mediaDevices
      .getUserMedia({ video: camera ? { deviceId: { exact: camera } } : true, ...audioOnly })
      .then(
        (media) => {
          setCameraProblem(null);
          return media;
        },
        async (error: unknown) => {
          // No camera, or the camera refused: try the microphone alone.
          const name = error instanceof DOMException ? error.name : '';
          const media = await navigator.mediaDevices.getUserMedia(audioOnly);
          setCameraProblem(name === 'NotFoundError' || name === 'OverconstrainedError' ? 'missing' : 'denied');
          return media;
        },
      )
      .then(async (media) => {
        if (cancelled) return media.getTracks().forEach((track) => track.stop());
        current = media;
        setStream(media);
        setFailed(false);
        setDevices(await navigator.mediaDevices.enumerateDevices());
        audio = new AudioContext();
        const analyser = audio.createAnalyser();
        audio.createMediaStreamSource(media).connect(analyser);
        const samples = new Uint8Array(analyser.fftSize);
        const tick = () => {
          analyser.getByteTimeDomainData(samples);
          let peak = 0;
          for (const sample of samples) peak = Math.max(peak, Math.abs(sample - 128));
          setLevel(Math.min(100, Math.round((peak / 128) * 100)));
          frame = requestAnimationFrame(tick);
        };
        tick();
      })
      .catch(() => setFailed(true));
    return () => {
      cancelled = true;
      cancelAnimationFrame(frame);
      void audio?.close();
      if (!handedOver.current) current?.getTracks().forEach((track) => track.stop());
    };
  }, [camera, microphone]);

  const pick = (kind: MediaDeviceKind) => devices.filter((d) => d.kind === kind && d.deviceId);

  return (
    <div className="stack" data-testid="device-check">
      <h2>{t('devices.title')}</h2>
      {failed && (
        <p className="field-error" role="alert">
          {t('devices.denied')}
        </p>
      )}
      {cameraProblem && (
        <div className="banner" role="status" data-testid="camera-problem" data-problem={cameraProblem}>
          <p>{t(cameraProblem === 'missing' ? 'devices.cameraMissing' : 'devices.cameraDenied')}</p>
          {cameraProblem === 'denied' && <p className="hint">{t('devices.cameraHowTo')}</p>}
        </div>
      )}
      <div className="preview">
        {cameraProblem ? (
          <svg className="audio-only" viewBox="0 0 24 24" width="64" height="64" aria-hidden="true">
            <path
              d="M12 3a3 3 0 0 0-3 3v6a3 3 0 0 0 6 0V6a3 3 0 0 0-3-3zM5 11a7 7 0 0 0 14 0M12 18v3M8 21h8"
              fill="none"
              stroke="currentColor"
              strokeWidth="1.6"
              strokeLinecap="round"
            />
          </svg>
        ) : (
          <StreamVideo stream={stream} muted testId="preview-video" />
        )}
      </div>
      <div
        className="meter"
        role="meter"
        aria-label={t('devices.level')}
        aria-valuenow={level}
        aria-valuemin={0}
        aria-valuemax={100}
      >
        <span style={{ width: `${level}%` }} />
      </div>
      <div className="form-grid two">
        <div className="field">
          <label htmlFor={ids.camera}>{t('devices.camera')}</label>
          <select id={ids.camera} value={camera} onChange={(e) => setCamera(e.target.value)}>
            <option value="">{t('devices.default')}</option>
            {pick('videoinput').map((d, i) => (
              <option key={d.deviceId} value={d.deviceId}>
                {d.label || `${t('devices.camera')} ${i + 1}`}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.microphone}>{t('devices.microphone')}</label>
          <select id={ids.microphone} value={microphone} onChange={(e) => setMicrophone(e.target.value)}>
            <option value="">{t('devices.default')}</option>
            {pick('audioinput').map((d, i) => (
              <option key={d.deviceId} value={d.deviceId}>
                {d.label || `${t('devices.microphone')} ${i + 1}`}
              </option>
            ))}
          </select>
        </div>
      </div>
      <div className="actions">
        <button
          type="button"
          disabled={!stream}
          onClick={() => {
            handedOver.current = true;
            onReady(stream!);
          }}
          data-testid="guest-join"
        >
          {t(cameraProblem ? 'devices.joinAudioOnly' : 'devices.join')}
        </button>
      </div>
    </div>
  );
}
