/**
 * A patient's 9-digit access code, written in three groups of three ("123 456 789") wherever a person reads
 * or types it: on the practice's screen, in the copied text, and on the guest page as it is typed.
 */
export function groupCode(input: string): string {
  const digits = input.replace(/\D/g, '').slice(0, 9);
  return digits.replace(/(\d{3})(?=\d)/g, '$1 ');
}
