/**
 * A question asked in place before an action that cannot be undone (cancel an appointment, withdraw a
 * message, discard a form): nothing happens until the user answers; the safe answer comes first.
 */
export function InlineConfirm({
  question,
  keepLabel,
  confirmLabel,
  onKeep,
  onConfirm,
  busy = false,
  testId,
}: {
  question: string;
  keepLabel: string;
  confirmLabel: string;
  onKeep: () => void;
  onConfirm: () => void;
  busy?: boolean;
  /** `<testId>` on the block, `<testId>-keep` and `<testId>-yes` on its buttons. */
  testId: string;
}) {
  return (
    <div className="confirm" role="alertdialog" aria-label={question} data-testid={testId}>
      <p>{question}</p>
      <div className="actions">
        <button type="button" className="secondary" data-testid={`${testId}-keep`} onClick={onKeep}>
          {keepLabel}
        </button>
        <button type="button" className="danger" data-testid={`${testId}-yes`} disabled={busy} onClick={onConfirm}>
          {confirmLabel}
        </button>
      </div>
    </div>
  );
}
