/**
 * The app's screen-sharing picker: when a call starts sharing, the shell lists the screens and windows
 * (`screen.choose`) and this asks the user which one, with a thumbnail each. Nothing is shared until a
 * source is chosen; closing or Escape answers "cancel", and the call goes on with the camera.
 */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { EventPayload } from '../../src-preload/contract';
import { Dialog } from '../components/Dialog';

type Question = EventPayload<'screen.choose'>;

export function ScreenPicker() {
  const { t } = useTranslation('common');
  const [question, setQuestion] = useState<Question | null>(null);
  const [selected, setSelected] = useState<string | null>(null);

  useEffect(
    () =>
      window.clinic.on('screen.choose', (next) => {
        setSelected(null);
        setQuestion(next);
      }),
    [],
  );
  if (!question) return null;

  const answer = (sourceId: string | null) => {
    setQuestion(null);
    void window.clinic.screen.chosen({ requestId: question.requestId, sourceId });
  };
  const group = (kind: 'screen' | 'window') => question.sources.filter((s) => s.kind === kind);

  return (
    <Dialog title={t('calls.screenPicker.title')} onClose={() => answer(null)} testId="screen-picker" wide>
      {(['screen', 'window'] as const).map(
        (kind) =>
          group(kind).length > 0 && (
            <section key={kind}>
              <h3>{t(`calls.screenPicker.${kind}s`)}</h3>
              {/* Plain buttons that say whether they are chosen: a listbox of options must not hold buttons (axe's
                  nested-interactive), and each thumbnail needs to be a button for the keyboard. */}
              <ul className="screen-sources" aria-label={t(`calls.screenPicker.${kind}s`)}>
                {group(kind).map((source) => (
                  <li key={source.id}>
                    <button
                      type="button"
                      aria-pressed={selected === source.id}
                      className={selected === source.id ? 'source selected' : 'source'}
                      data-testid="screen-source"
                      data-source={source.id}
                      onClick={() => setSelected(source.id)}
                      onDoubleClick={() => answer(source.id)}
                    >
                      <img src={source.thumbnail} alt="" />
                      <span>{source.name}</span>
                    </button>
                  </li>
                ))}
              </ul>
            </section>
          ),
      )}
      {question.sources.length === 0 && <p className="hint">{t('calls.screenPicker.none')}</p>}
      <div className="actions">
        <button type="button" className="secondary" data-testid="screen-cancel" onClick={() => answer(null)}>
          {t('common.cancel')}
        </button>
        <button type="button" data-testid="screen-share" disabled={!selected} onClick={() => answer(selected)}>
          {t('calls.screenPicker.share')}
        </button>
      </div>
    </Dialog>
  );
}
