import { useTranslation } from 'react-i18next';
import type { Placeholder } from '../../../src-preload/contract';

/** Inserts {placeholder} at the cursor of the text area; only the placeholders the message's kind has. */
export function PlaceholderButtons({
  names,
  target,
  onInsert,
}: {
  names: readonly Placeholder[];
  target: () => HTMLTextAreaElement | null;
  onInsert: (text: string) => void;
}) {
  const { t } = useTranslation('common');
  return (
    <div className="chips" aria-label={t('messages.form.insert')}>
      {names.map((name) => (
        <button
          key={name}
          type="button"
          className="chip"
          data-placeholder={name}
          onClick={() => {
            const area = target();
            const token = `{${name}}`;
            if (!area) return onInsert(token);
            const { selectionStart: start, selectionEnd: end, value } = area;
            onInsert(value.slice(0, start) + token + value.slice(end));
            requestAnimationFrame(() => area.setSelectionRange(start + token.length, start + token.length));
          }}
        >
          {t(`messages.placeholders.${name}`)}
        </button>
      ))}
    </div>
  );
}
