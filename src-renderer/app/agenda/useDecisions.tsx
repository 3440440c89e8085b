/**
 * Runs an agenda command that may come back with a question (overlap; new reminder after a move), asks it,
 * and repeats the command with the answer. Nothing is written until every question is answered. Escape
 * (or closing the question) cancels the whole command: only the buttons answer. "No" to the reminder
 * question is a real answer (move, and prepare no reminder); Escape is not.
 */
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { BookResult, Result } from '../../../src-preload/contract';
import { Dialog } from '../../components/Dialog';

export interface Answers {
  allowOverlap?: boolean;
  reminder?: 'reschedule' | 'drop';
}

type Question = { kind: 'overlap'; count: number } | { kind: 'reminder' };
type Choice = 'yes' | 'no' | 'cancel';

export function useDecisions() {
  const { t } = useTranslation('common');
  const [question, setQuestion] = useState<Question | null>(null);
  const answer = useRef<(choice: Choice) => void>(() => {});

  const ask = (q: Question) =>
    new Promise<Choice>((resolve) => {
      answer.current = (choice) => {
        setQuestion(null);
        resolve(choice);
      };
      setQuestion(q);
    });

  /** Resolves to the final result, or null when the user said no to a question. */
  const decide = async (
    command: (answers: Answers) => Promise<Result<BookResult>>,
  ): Promise<Result<BookResult> | null> => {
    const answers: Answers = {};
    for (;;) {
      const result = await command(answers);
      if (!result.ok || result.value.kind === 'done') return result;
      if (result.value.decision === 'confirm_overlap') {
        if ((await ask({ kind: 'overlap', count: result.value.conflicts.length })) !== 'yes') return null;
        answers.allowOverlap = true;
      } else {
        const choice = await ask({ kind: 'reminder' });
        if (choice === 'cancel') return null;
        answers.reminder = choice === 'yes' ? 'reschedule' : 'drop';
      }
    }
  };

  const dialog = question && (
    <Dialog
      title={t(question.kind === 'overlap' ? 'agenda.decision.overlapTitle' : 'agenda.decision.reminderTitle')}
      onClose={() => answer.current('cancel')}
      testId="decision-dialog"
    >
      <p>
        {question.kind === 'overlap'
          ? t('agenda.decision.overlapBody', { count: question.count })
          : t('agenda.decision.reminderBody')}
      </p>
      <div className="actions">
        <button type="button" className="secondary" data-testid="decision-no" onClick={() => answer.current('no')}>
          {t('common.no')}
        </button>
        <button type="button" data-testid="decision-yes" onClick={() => answer.current('yes')}>
          {question.kind === 'overlap' ? t('agenda.decision.overlapYes') : t('common.yes')}
        </button>
      </div>
    </Dialog>
  );

  return { decide, dialog };
}
