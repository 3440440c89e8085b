/**
 * Short confirmations after an action ("Appointment booked", "Cancelled — Undo"). Polite live region, so a
 * screen reader reads them without interrupting; each goes after a few seconds, longer when it offers undo,
 * and stays while the pointer or focus is on it (nobody loses an undo while reaching for it).
 */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useAppStore, type Toast } from '../app/store';

const PLAIN_MS = 5000;
const WITH_ACTION_MS = 10_000;

function ToastItem({ toast }: { toast: Toast }) {
  const { t } = useTranslation('common');
  const dismiss = useAppStore((s) => s.dismissToast);
  const [held, setHeld] = useState(false);
  useEffect(() => {
    if (held) return;
    const timer = setTimeout(() => dismiss(toast.id), toast.action ? WITH_ACTION_MS : PLAIN_MS);
    return () => clearTimeout(timer);
  }, [held, toast, dismiss]);
  return (
    <div
      className="toast"
      data-testid="toast"
      onMouseEnter={() => setHeld(true)}
      onMouseLeave={() => setHeld(false)}
      onFocus={() => setHeld(true)}
      onBlur={() => setHeld(false)}
    >
      <span>{toast.text}</span>
      {toast.action && (
        <button
          type="button"
          className="link"
          data-testid="toast-action"
          onClick={async () => {
            dismiss(toast.id);
            await toast.action!.run();
          }}
        >
          {toast.action.label}
        </button>
      )}
      <button type="button" className="link" aria-label={t('common.close')} onClick={() => dismiss(toast.id)}>
        ×
      </button>
    </div>
  );
}

export function Toasts() {
  const toasts = useAppStore((s) => s.toasts);
  return (
    <div className="toasts" role="status" aria-live="polite">
      {toasts.map((toast) => (
        <ToastItem key={toast.id} toast={toast} />
      ))}
    </div>
  );
}
