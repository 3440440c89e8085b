import { useTranslation } from 'react-i18next';
import type { View } from '../../../src-preload/contract';

type EmptyKey = Exclude<View, 'settings' | 'agenda' | 'patients' | 'messages'>;

/** The empty state of a view that has no data yet. */
export function EmptyView({ view }: { view: EmptyKey }) {
  const { t } = useTranslation('common');
  return (
    <section className="empty" data-testid={`view-${view}`}>
      <h2>{t(`empty.${view}.title`)}</h2>
      <p>{t(`empty.${view}.body`)}</p>
    </section>
  );
}
