/** split-sms ships no types: only what the tests use of it (an independent SMS part count). */
declare module 'split-sms' {
  const splitSms: { split(text: string): { parts: { content: string }[]; characterSet: 'GSM' | 'Unicode' } };
  export default splitSms;
}
