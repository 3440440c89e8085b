import { useCallback, useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useStore } from 'zustand';
import { createStore } from 'zustand/vanilla';
import { callRoutes, type GuestPractice, type RedeemedInvitation } from '../../protocol/calls';
import { createApiClient, ProtocolError } from '../../protocol/client';
import { LANGUAGES } from '../../src-preload/contract';
import { GuestCallController, INITIAL_CALL_STATE, type CallState } from '../calls/callController';
import { CallSession } from '../calls/callSession';
import { CallScreen } from '../calls/CallScreen';
import { connectSignalling } from '../calls/signallingClient';
import { isLanguage, LANGUAGE_NAMES } from '../i18n/i18n';
import { DeviceCheck } from './DeviceCheck';
import { forgetGuest, loadGuest, saveGuest, tokenFromPath, type StoredGuest } from './guestSession';
import { groupCode } from '../../protocol/accessCode';

type CodeError = 'codeInvalid' | 'codeNotFound' | 'expired' | 'used' | 'locked' | 'unreachable';

type Redeemed = Pick<RedeemedInvitation, 'guestToken' | 'practitionerName' | 'organisationName' | 'consentRequired'> & {
  practice?: GuestPractice | null;
};

type Stage =
  | { name: 'code' }
  | { name: 'details'; redeemed: Redeemed }
  /** Device check, waiting room and call. */
  | { name: 'consultation'; guest: StoredGuest; consent: boolean }
  | { name: 'ended'; reason: 'ended' | 'denied' | 'invalid' };

const CODE = /^\d{9}$/;
const ERRORS: Record<string, CodeError> = {
  invitation_invalid: 'codeNotFound',
  invitation_expired: 'expired',
  invitation_used: 'used',
  code_locked: 'locked',
};

/**
 * The patient's page: the access code (or the link), name and consent, a device check, the waiting room,
 * the call. No account; a reload rejoins with the guest token kept in this tab.
 */
export function GuestApp() {
  const { t, i18n } = useTranslation('guest');
  const [stage, setStage] = useState<Stage>(() => {
    const stored = loadGuest();
    if (!stored) return { name: 'code' };
    return stored.name
      ? { name: 'consultation', guest: stored, consent: stored.consent }
      : { name: 'details', redeemed: stored };
  });
  const [error, setError] = useState<CodeError | null>(null);
  const [busy, setBusy] = useState(false);
  const langId = useId();
  // Kept past the end of the visit: the phone number is the way to reach the practice then.
  const [practice, setPractice] = useState<GuestPractice | null>(() => loadGuest()?.practice ?? null);

  const redeem = useCallback(async (body: { code: string } | { token: string }) => {
    setBusy(true);
    try {
      const answer = await createApiClient({ baseUrl: () => window.location.origin })(callRoutes.redeem, { body });
      setError(null);
      setPractice(answer.practice);
      // Kept at once: the invitation is used now, and a reload must not lose the way back in.
      saveGuest({
        guestToken: answer.guestToken,
        name: '',
        practitionerName: answer.practitionerName,
        organisationName: answer.organisationName,
        practice: answer.practice,
        consentRequired: answer.consentRequired,
        consent: false,
      });
      setStage({ name: 'details', redeemed: answer });
    } catch (error) {
      setError(
        !(error instanceof ProtocolError) || error.status === 0 || error.status >= 500
          ? 'unreachable'
          : (ERRORS[error.code] ?? 'codeNotFound'),
      );
    } finally {
      setBusy(false);
    }
  }, []);

  // Opened from the link: redeem it at once (once).
  const fromLink = useRef(false);
  useEffect(() => {
    const token = tokenFromPath(window.location.pathname);
    if (token && stage.name === 'code' && !fromLink.current) {
      fromLink.current = true;
      void redeem({ token });
    }
  }, [redeem, stage.name]);

  return (
    <main className="guest">
      <div className="card">
        <div className="row spread">
          <h1>{t('title')}</h1>
          <div>
            <label htmlFor={langId} className="sr-only">
              {t('language')}
            </label>
            <select
              id={langId}
              data-testid="guest-language"
              value={i18n.language}
              onChange={(e) => isLanguage(e.target.value) && void i18n.changeLanguage(e.target.value)}
            >
              {LANGUAGES.map((lang) => (
                <option key={lang} value={lang} lang={lang}>
                  {LANGUAGE_NAMES[lang]}
                </option>
              ))}
            </select>
          </div>
        </div>
        {practice && <PracticeHeader practice={practice} />}
        {stage.name === 'code' && (
          <CodeForm busy={busy} error={error} setError={setError} onCode={(code) => void redeem({ code })} />
        )}
        {stage.name === 'details' && (
          <Details
            redeemed={stage.redeemed}
            onDone={(name, consent) => {
              const guest: StoredGuest = {
                guestToken: stage.redeemed.guestToken,
                name,
                practitionerName: stage.redeemed.practitionerName,
                organisationName: stage.redeemed.organisationName,
                practice: stage.redeemed.practice ?? null,
                consentRequired: stage.redeemed.consentRequired,
                consent,
              };
              saveGuest(guest);
              setStage({ name: 'consultation', guest, consent });
            }}
          />
        )}
        {stage.name === 'consultation' && (
          <Consultation
            guest={stage.guest}
            consent={stage.consent}
            onEnd={(reason) => setStage({ name: 'ended', reason })}
          />
        )}
        {stage.name === 'ended' && (
          <p className={stage.reason === 'ended' ? 'saved' : 'field-error'} role="status" data-testid="guest-ended">
            {t(`ended.${stage.reason}`)}
          </p>
        )}
        {stage.name === 'ended' && stage.reason !== 'ended' && practice?.phone && (
          <CallPractice phone={practice.phone} />
        )}
        <p className="hint">{t('privacy')}</p>
      </div>
    </main>
  );
}

function CodeForm({
  busy,
  error,
  setError,
  onCode,
}: {
  busy: boolean;
  error: CodeError | null;
  setError: (e: CodeError | null) => void;
  onCode: (code: string) => void;
}) {
  const { t } = useTranslation('guest');
  const [code, setCode] = useState('');
  const codeId = useId();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const digits = code.replace(/\s+/g, '');
    if (!CODE.test(digits)) {
      setError('codeInvalid');
      return;
    }
    onCode(digits);
  };
  return (
    <>
      <p>{t('intro')}</p>
      <form onSubmit={submit} noValidate className="field">
        <label htmlFor={codeId}>{t('codeLabel')}</label>
        <div className="row">
          <input
            id={codeId}
            data-testid="guest-code"
            inputMode="numeric"
            autoComplete="one-time-code"
            maxLength={11}
            value={code}
            aria-invalid={error ? true : undefined}
            onChange={(e) => setCode(groupCode(e.target.value))}
          />
          <button type="submit" disabled={busy} data-testid="guest-continue">
            {t('continue')}
          </button>
        </div>
        {error && (
          <p className="field-error" role="alert" data-testid="guest-error">
            {t(error)}
          </p>
        )}
      </form>
    </>
  );
}

function Details({ redeemed, onDone }: { redeemed: Redeemed; onDone: (name: string, consent: boolean) => void }) {
  const { t } = useTranslation('guest');
  const [name, setName] = useState('');
  const [consent, setConsent] = useState(false);
  const [missing, setMissing] = useState(false);
  const nameId = useId();
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        const ok = name.trim() !== '' && (!redeemed.consentRequired || consent);
        setMissing(!ok);
        if (ok) onDone(name.trim(), consent);
      }}
      noValidate
      data-testid="guest-details"
    >
      <p>
        {redeemed.organisationName
          ? t('details.withOrganisation', {
              practitioner: redeemed.practitionerName,
              organisation: redeemed.organisationName,
            })
          : t('details.with', { practitioner: redeemed.practitionerName })}
      </p>
      <div className="field">
        <label htmlFor={nameId}>{t('details.name')}</label>
        <input
          id={nameId}
          value={name}
          maxLength={80}
          autoComplete="name"
          onChange={(e) => setName(e.target.value)}
          data-testid="guest-name"
        />
      </div>
      {redeemed.consentRequired && (
        <div className="field">
          <p className="consent">{t('details.consentText')}</p>
          <label className="check">
            <input
              type="checkbox"
              checked={consent}
              onChange={(e) => setConsent(e.target.checked)}
              data-testid="guest-consent"
            />
            {t('details.consent')}
          </label>
        </div>
      )}
      {missing && (
        <p className="field-error" role="alert">
          {t('details.missing')}
        </p>
      )}
      <div className="actions">
        <button type="submit" data-testid="guest-details-next">
          {t('continue')}
        </button>
      </div>
    </form>
  );
}

/** Device check, waiting room and call: one socket for all three, so a reload rejoins. */
function Consultation({
  guest,
  consent,
  onEnd,
}: {
  guest: StoredGuest;
  consent: boolean;
  onEnd: (reason: 'ended' | 'denied' | 'invalid') => void;
}) {
  const { t } = useTranslation('guest');
  const [controller, setController] = useState<GuestCallController | null>(null);
  const [retrying, setRetrying] = useState(false);
  const phase = useStore(controller?.store ?? idle, (s) => s.phase);
  const ended = useStore(controller?.store ?? idle, (s) => s.ended);
  const session = useStore(controller?.store ?? idle, (s) => s.session);
  const chat = useStore(controller?.store ?? idle, (s) => s.chat);
  const files = useStore(controller?.store ?? idle, (s) => s.files);
  useStore(controller?.store ?? idle, (s) => s.revision); // streams and quality re-render the call screen

  useEffect(() => {
    if (phase === 'ended' && ended) {
      forgetGuest();
      onEnd(ended);
    }
  }, [phase, ended, onEnd]);

  useEffect(() => () => controller?.close(), [controller]);

  const join = async (stream: MediaStream) => {
    // The ICE servers first: only a refused invitation (401) ends the visit; anything else is retried.
    const call = createApiClient({ baseUrl: () => window.location.origin });
    let iceServers: RTCIceServer[] | null = null;
    for (let attempt = 0; iceServers === null; attempt += 1) {
      try {
        iceServers = (await call(callRoutes.iceServers, { auth: { guest: guest.guestToken } })).iceServers;
      } catch (error) {
        if (error instanceof ProtocolError && error.status === 401) {
          stream.getTracks().forEach((track) => track.stop());
          forgetGuest();
          onEnd('invalid');
          return;
        }
        setRetrying(true);
        await new Promise((resolve) => setTimeout(resolve, Math.min(30_000, 1000 * 2 ** attempt)));
      }
    }
    setRetrying(false);
    let live: () => string | null = () => null;
    const socket = connectSignalling(
      window.location.origin,
      async () => ({ guest: guest.guestToken }),
      () => live(),
    );
    const created = new GuestCallController({
      socket,
      media: {
        camera: () => Promise.resolve(stream),
        microphone: () => Promise.resolve(stream),
      },
      iceServers: async () => iceServers,
      createSession: (channel, callId, local, ice, events) => new CallSession(channel, callId, local, ice, events),
    });
    live = () => created.liveCallId();
    created.useMedia(stream);
    // Only a refused invitation ends it; a network blip is retried by socket.io.
    socket.on('connect_error', (error) => {
      if (error.message === 'unauthorized') created.finish('invalid');
    });
    socket.on('connect', () => void created.join(guest.name, consent));
    setController(created);
  };

  if (!controller)
    return (
      <>
        {retrying && (
          <p className="banner" role="status" data-testid="guest-retrying">
            {t('connectionRetry')}
          </p>
        )}
        <DeviceCheck onReady={(stream) => void join(stream)} />
        {guest.practice?.phone && <CallPractice phone={guest.practice.phone} />}
      </>
    );
  if (phase !== 'call' || !session)
    return (
      <div className="waiting" role="status" data-testid="guest-waiting">
        <h2>{t('waiting.title')}</h2>
        <p>{t('waiting.text', { practitioner: guest.practitionerName })}</p>
        {guest.practice?.phone && <CallPractice phone={guest.practice.phone} />}
      </div>
    );
  return (
    <CallScreen
      audience="patient"
      title={guest.practitionerName}
      session={session}
      chat={chat}
      files={files}
      autoDownload={false}
      onHangUp={() => controller.endCall(true)}
    />
  );
}

/** The practice the patient is visiting, from the first screen after the code or link. */
function PracticeHeader({ practice }: { practice: GuestPractice }) {
  return (
    <div className="guest-practice-header">
      {practice.logo && (
        // The practice's name follows as text: the picture needs no second name.
        <img src={practice.logo} alt="" className="guest-logo" data-testid="guest-practice-logo" />
      )}
      <p className="guest-practice" data-testid="guest-practice">
        {practice.name}
      </p>
    </div>
  );
}

/** The fallback when video does not work: the practice's phone, as a link phones can dial. */
function CallPractice({ phone }: { phone: string }) {
  const { t } = useTranslation('guest');
  const dial = phone.replace(/[^\d+]/g, '');
  return (
    <p className="hint" data-testid="guest-practice-phone">
      {t('callPractice')}{' '}
      {dial ? (
        <a href={`tel:${dial}`} className="phone">
          {phone}
        </a>
      ) : (
        phone
      )}
    </p>
  );
}

const idle = createStore<CallState>(() => INITIAL_CALL_STATE);
