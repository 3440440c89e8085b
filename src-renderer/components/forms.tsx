/** Form helpers shared by every view: translated field errors and a hook to run bridge commands. */
import { useCallback, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { BridgeError, Result } from '../../src-preload/contract';
import { errorText } from '../i18n/errors';

/** The translated error for one field, or null when the error is about something else. */
export function useFieldError(error: BridgeError | null) {
  const { t } = useTranslation('common');
  return (field: string): string | null => {
    if (!error?.issues?.some((i) => i.path === field)) return null;
    return errorText(t, error, field);
  };
}

export function FieldError({
  error,
  field,
  id,
  testId,
}: {
  error: BridgeError | null;
  field?: string;
  id?: string;
  testId?: string;
}) {
  const { t } = useTranslation('common');
  if (!error) return null;
  if (field !== undefined && !error.issues?.some((i) => i.path === field)) return null;
  return (
    <p className="field-error" role="alert" id={id} data-testid={testId}>
      {errorText(t, error, field)}
    </p>
  );
}

/** An error not tied to any one field (or tied to a field the form does not show). */
export function FormError({ error, fields }: { error: BridgeError | null; fields: readonly string[] }) {
  const { t } = useTranslation('common');
  if (!error || error.issues?.some((i) => fields.includes(i.path))) return null;
  return (
    <p className="field-error" role="alert" data-testid="form-error">
      {errorText(t, error)}
    </p>
  );
}

/** Runs a bridge command; keeps its error for the form and says whether it is still running. */
export function useCommand() {
  const [error, setError] = useState<BridgeError | null>(null);
  const [busy, setBusy] = useState(false);
  const run = useCallback(async <T,>(command: Promise<Result<T>>): Promise<T | null> => {
    setBusy(true);
    try {
      const result = await command;
      setError(result.ok ? null : result.error);
      return result.ok ? result.value : null;
    } finally {
      setBusy(false);
    }
  }, []);
  return { error, busy, run, clear: () => setError(null) };
}

/** Cancel and submit, at the foot of every form dialog. */
export function FormActions({
  onCancel,
  busy,
  submitLabel,
  submitTestId,
}: {
  onCancel: () => void;
  busy: boolean;
  submitLabel?: string;
  submitTestId?: string;
}) {
  const { t } = useTranslation('common');
  return (
    <div className="actions">
      <button type="button" className="secondary" onClick={onCancel}>
        {t('common.cancel')}
      </button>
      <button type="submit" disabled={busy} data-testid={submitTestId}>
        {submitLabel ?? t('common.save')}
      </button>
    </div>
  );
}
