/**
 * Keywords of an inbound SMS that switch a patient's SMS off or on again, in the languages the practices
 * serve (en, de, sv, da). The whole message must be the keyword (case, spaces and a trailing full stop or
 * exclamation mark ignored): "Stop the reminders on Friday" is a question for the practice, not an opt-out.
 */
const STOP = new Set([
  'stop',
  'stopp',
  'halt',
  'unsubscribe',
  'abmelden',
  'avsluta',
  'afmeld',
  'end',
  'cancel',
  'quit',
]);
const START = new Set(['start', 'unstop', 'anmelden', 'starta', 'tilmeld', 'subscribe']);

export type OptOutCommand = 'stop' | 'start' | null;

export function optOutCommand(text: string): OptOutCommand {
  const word = text
    .normalize('NFKC')
    .trim()
    .replace(/[.!]+$/, '')
    .trim()
    .toLowerCase();
  if (STOP.has(word)) return 'stop';
  if (START.has(word)) return 'start';
  return null;
}
