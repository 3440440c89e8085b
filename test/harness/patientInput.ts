/** Patient input shared by tests and benchmarks (no test framework here: benchmarks import it too). */

/** A patient's fields besides the name, for a patient who gets no messages (imports, benchmarks). */
export const NO_CONTACT = {
  birthDate: null,
  mobile: null,
  email: null,
  language: 'de',
  channel: 'none',
  optOutSms: false,
  optOutEmail: false,
  notes: '',
} as const;
