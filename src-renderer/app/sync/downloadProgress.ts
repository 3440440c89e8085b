/**
 * How the time left of a first download is said: whole minutes, rounded up, or "less than a minute";
 * nothing until there is an estimate.
 */
export function timeLeft(secondsLeft: number | null): { minutes: number } | null {
  if (secondsLeft === null) return null;
  return { minutes: secondsLeft < 60 ? 0 : Math.ceil(secondsLeft / 60) };
}
