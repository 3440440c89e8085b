/** Patient master data: validated, phone numbers in E.164, searchable by name, date of birth and phone. */
import type { Patient } from '../../../src-preload/contract';
import { AppError } from '../errors';
import type { Repository, Row } from '../sync/repository';
import { normaliseMobile } from './phone';

export type PatientInput = Omit<Patient, 'id' | 'salutation'> & { salutation?: Patient['salutation'] };

export const toPatient = (r: Row): Patient => ({
  id: String(r.id),
  firstName: String(r.first_name),
  lastName: String(r.last_name),
  birthDate: r.birth_date === null ? null : String(r.birth_date),
  mobile: r.mobile === null ? null : String(r.mobile),
  email: r.email === null ? null : String(r.email),
  language: String(r.language) as Patient['language'],
  channel: String(r.channel) as Patient['channel'],
  optOutSms: r.opt_out_sms === 1,
  optOutEmail: r.opt_out_email === 1,
  notes: String(r.notes),
  salutation: r.salutation === 'female' || r.salutation === 'male' ? r.salutation : 'neutral',
});

const toRow = (p: Partial<PatientInput>): Row =>
  ({
    first_name: p.firstName,
    last_name: p.lastName,
    birth_date: p.birthDate,
    mobile: p.mobile,
    email: p.email,
    language: p.language,
    channel: p.channel,
    opt_out_sms: p.optOutSms === undefined ? undefined : Number(p.optOutSms),
    opt_out_email: p.optOutEmail === undefined ? undefined : Number(p.optOutEmail),
    notes: p.notes,
    salutation: p.salutation,
  }) as Row;

/** A quoted phrase for FTS5: user input is never read as query syntax. */
const phrase = (term: string) => `"${term.replace(/"/g, '')}"`;

/**
 * A date of birth as people type it ("1.3.48", "01.03.1948") in the stored day-first form "01.03.1948"; a
 * two-digit year is the latest one not in the future (48 → 1948, 05 → 2005).
 */
export function typedBirthDate(word: string, currentYear: number): string | null {
  const m = /^(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})$/.exec(word);
  if (!m) return null;
  const [day, month] = [Number(m[1]), Number(m[2])];
  if (day < 1 || day > 31 || month < 1 || month > 12) return null;
  let year = Number(m[3]);
  if (m[3]!.length === 2) year += year + 2000 > currentYear ? 1900 : 2000;
  return `${String(day).padStart(2, '0')}.${String(month).padStart(2, '0')}.${year}`;
}

/**
 * The spellings of a name people type without umlauts: "Mueller" also looks for "Muller" (which the index,
 * free of diacritics, matches to Müller), "Strasse" also for "Straße".
 */
export function nameVariants(word: string): string[] {
  const variants = new Set([word]);
  const plain = word
    .replace(/ae/gi, (m) => m[0]!)
    .replace(/oe/gi, (m) => m[0]!)
    .replace(/ue/gi, (m) => m[0]!);
  variants.add(plain);
  if (/ss/i.test(word)) variants.add(word.replace(/ss/g, 'ß'));
  return [...variants].filter((v) => v.length >= 3);
}

/**
 * Search terms for the trigram index: each word one or more quoted phrases (alternatives joined by OR). A
 * phone-like word loses its formatting and trunk prefix ("0176 123" → "176", "123"), so it matches inside
 * the stored E.164 digits; a typed date of birth is written as stored; a name also matches its umlaut
 * spelling. Words under three characters cannot use trigrams and are left to `shortWords`.
 */
export function searchTerms(
  text: string,
  currentYear = new Date().getUTCFullYear(),
): { phrases: string[]; shortWords: string[] } {
  const words = text
    .normalize('NFKC')
    .split(/[\s,;]+/)
    .filter((w) => w.length > 0)
    .slice(0, 8);
  const phrases: string[] = [];
  const shortWords: string[] = [];
  for (const word of words) {
    const date = typedBirthDate(word, currentYear);
    if (date) {
      phrases.push(phrase(date));
      continue;
    }
    const isDate = /^\d{4}-\d{1,2}(-\d{1,2})?$/.test(word);
    if (/^\+?[\d\-/()]+$/.test(word) && !isDate) {
      const digits = word.replace(/\D/g, '').replace(/^00?/, '');
      if (digits.length >= 3) phrases.push(phrase(digits));
      else if (digits.length > 0) shortWords.push(digits);
      continue;
    }
    const term = word.replace(/"/g, '');
    if (term.length < 3) {
      if (term.length > 0) shortWords.push(term);
      continue;
    }
    const variants = /^[\p{L}'-]+$/u.test(term) ? nameVariants(term) : [term];
    phrases.push(variants.length > 1 ? `(${variants.map(phrase).join(' OR ')})` : phrase(term));
  }
  return { phrases, shortWords };
}

export class PatientService {
  private readonly searchStatement;
  private readonly prefixStatement;
  private readonly listStatement;

  constructor(
    private readonly repo: Repository,
    private readonly country: () => string,
  ) {
    this.searchStatement = repo.db.prepare<[string, number], Row>(
      `SELECT p.* FROM patients_fts f JOIN patients p ON p.rowid = f.rowid
       WHERE patients_fts MATCH ? AND p.deleted = 0 LIMIT ?`,
    );
    this.prefixStatement = repo.db.prepare<[string, string, number], Row>(
      `SELECT * FROM patients WHERE deleted = 0 AND (last_name LIKE ? OR first_name LIKE ?)
       ORDER BY last_name, first_name LIMIT ?`,
    );
    this.listStatement = repo.db.prepare<[number], Row>(
      'SELECT * FROM patients WHERE deleted = 0 ORDER BY last_name, first_name LIMIT ?',
    );
  }

  /** Phone to E.164 (or a field error); the rest was validated by the contract. */
  private normalise<T extends Partial<PatientInput>>(input: T): T {
    if (!input.mobile) return input;
    const phone = normaliseMobile(input.mobile, this.country());
    if (!phone.ok) throw new AppError('validation', 'Invalid mobile number', [{ path: 'mobile', code: phone.code }]);
    return { ...input, mobile: phone.e164 };
  }

  create(input: PatientInput): Patient {
    const row = toRow(this.normalise(input));
    const id = this.repo.transaction(() => this.repo.insert('patients', row));
    return this.get(id);
  }

  /** Imports patients in one transaction (phone numbers normalised; a bad row stops the import, nothing is written). */
  importMany(rows: readonly PatientInput[]): string[] {
    const values = rows.map((row, index) => {
      try {
        return toRow(
          this.normalise({
            ...row,
            mobile: row.mobile ?? null,
            email: row.email ?? null,
            birthDate: row.birthDate ?? null,
          }),
        );
      } catch (error) {
        if (error instanceof AppError) {
          const issues = error.issues?.map((i) => ({ ...i, path: `${index}.${i.path}` }));
          throw new AppError('validation', `Row ${index + 1}: ${error.message}`, issues);
        }
        throw error;
      }
    });
    return this.repo.transaction(() => this.repo.insertMany('patients', values));
  }

  update({ id, ...patch }: Partial<PatientInput> & { id: string }): Patient {
    const current = this.get(id);
    const next = { ...current, ...this.normalise(patch) };
    // The channel still needs its address after the change.
    if (next.channel === 'sms' && !next.mobile) {
      throw new AppError('validation', 'SMS needs a mobile number', [
        { path: 'mobile', code: 'mobile_required_for_sms' },
      ]);
    }
    if (next.channel === 'email' && !next.email) {
      throw new AppError('validation', 'E-mail needs an address', [
        { path: 'email', code: 'email_required_for_email' },
      ]);
    }
    this.repo.transaction(() => this.repo.update('patients', id, toRow(this.normalise(patch))));
    return this.get(id);
  }

  get(id: string): Patient {
    const row = this.repo.get('patients', id);
    if (!row || row.deleted === 1) throw new AppError('not_found', `Patient ${id} not found`);
    return toPatient(row);
  }

  remove(id: string): void {
    this.get(id);
    this.repo.transaction(() => this.repo.remove('patients', id));
  }

  search(text: string, limit: number): Patient[] {
    const { phrases, shortWords } = searchTerms(text);
    if (phrases.length > 0) {
      // The first `limit` matches, then sorted by name: sorting every match of a short term ("Mül") first
      // would read thousands of rows for each keystroke.
      const found = this.searchStatement.all(phrases.join(' AND '), limit).map(toPatient);
      return found.sort((a, b) => a.lastName.localeCompare(b.lastName) || a.firstName.localeCompare(b.firstName));
    }
    if (shortWords.length > 0) {
      // One or two letters: the start of a name.
      const prefix = `${shortWords[0]!.replace(/[%_\\]/g, '')}%`;
      return this.prefixStatement.all(prefix, prefix, limit).map(toPatient);
    }
    return this.listStatement.all(limit).map(toPatient);
  }
}
