import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Patient } from '../../../src-preload/contract';
import { Dialog } from '../../components/Dialog';
import { FieldError, FormActions, FormError, useCommand } from '../../components/forms';

/** A recall for one patient: when it is due and why. */
export function RecallDialog({ patient, onClose }: { patient: Patient; onClose: () => void }) {
  const { t } = useTranslation('common');
  const [dueDate, setDueDate] = useState('');
  const [reason, setReason] = useState('');
  const { error, busy, run } = useCommand();
  return (
    <Dialog
      title={`${t('patients.addRecall')}: ${patient.firstName} ${patient.lastName}`}
      onClose={onClose}
      testId="recall-dialog"
    >
      <form
        className="form-grid"
        noValidate
        onSubmit={async (e) => {
          e.preventDefault();
          if (await run(window.clinic.recalls.create({ patientId: patient.id, dueDate, reason }))) onClose();
        }}
      >
        <label>
          {t('messages.recalls.dueDate')}
          <input type="date" value={dueDate} data-testid="recall-due" onChange={(e) => setDueDate(e.target.value)} />
          <FieldError error={error} field="dueDate" />
        </label>
        <label>
          {t('messages.recalls.reason')}
          <input value={reason} data-testid="recall-reason" onChange={(e) => setReason(e.target.value)} />
          <FieldError error={error} field="reason" />
        </label>
        <FormError error={error} fields={['dueDate', 'reason']} />
        <FormActions onCancel={onClose} busy={busy} submitTestId="recall-save" />
      </form>
    </Dialog>
  );
}
