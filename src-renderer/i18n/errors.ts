import type { TFunction } from 'i18next';
import type { BridgeError } from '../../src-preload/contract';

/** The translated sentence for a bridge error: the field issue when there is one, else the error code. */
export function errorText(t: TFunction, error: BridgeError, field?: string): string {
  const issue = error.issues?.find((i) => field === undefined || i.path === field) ?? error.issues?.[0];
  if (issue) {
    const params = { ...issue.params };
    // A placeholder is named by its label in the user's language ("Practice name"), not its code.
    if (params.placeholder)
      params.placeholder = t(`messages.placeholders.${params.placeholder}`, {
        ns: 'common',
        defaultValue: `{${params.placeholder}}`,
      });
    return t([`errors.field.${issue.code}`, 'errors.field.invalid'], { ns: 'common', ...params });
  }
  return t([`errors.${error.code}`, 'errors.internal'], { ns: 'common' });
}
