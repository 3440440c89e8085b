import { useTranslation } from 'react-i18next';
import type { PasswordRule } from '../../../src-preload/contract';

/** The server's published rules, checked here only to tick them live; the server decides. */
export function brokenRules(password: string, minLength: number, personal: readonly string[]): Set<PasswordRule> {
  const broken = new Set<PasswordRule>();
  if (password.length < minLength) broken.add('length');
  if (!/\p{Ll}/u.test(password)) broken.add('lower');
  if (!/\p{Lu}/u.test(password)) broken.add('upper');
  if (!/\d/.test(password)) broken.add('digit');
  if (!/[^\p{L}\d]/u.test(password)) broken.add('symbol');
  const lower = password.toLowerCase();
  if (password === '' || personal.some((p) => p.length >= 3 && lower.includes(p.toLowerCase())))
    broken.add('not_personal');
  return broken;
}

export function PasswordRules({
  password,
  rules,
  minLength,
  personal,
}: {
  password: string;
  rules: readonly PasswordRule[];
  minLength: number;
  personal: readonly string[];
}) {
  const { t } = useTranslation('common');
  const broken = brokenRules(password, minLength, personal);
  return (
    <ul className="rules" aria-label={t('account.password.rulesLabel')}>
      {rules.map((rule) => {
        const ok = !broken.has(rule);
        return (
          <li key={rule} className={ok ? 'ok' : 'open'} data-testid={`rule-${rule}`} data-ok={ok}>
            <span aria-hidden="true">{ok ? '✓' : '○'}</span> {t(`account.password.rule.${rule}`, { count: minLength })}
            <span className="sr-only">{ok ? t('account.password.met') : t('account.password.notMet')}</span>
          </li>
        );
      })}
    </ul>
  );
}
