/** Patients' mobile numbers follow the same rule as the server's two-factor numbers: one shared check. */
export { normaliseMobile, type PhoneCheck } from '../../../protocol/phone';
