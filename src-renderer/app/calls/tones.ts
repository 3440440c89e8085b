/** Ringtone and knock sound, synthesised (WebAudio): no audio files to ship, and nothing to decode. */
let context: AudioContext | null = null;

function beep(frequency: number, start: number, length: number): void {
  context ??= new AudioContext();
  const oscillator = context.createOscillator();
  const gain = context.createGain();
  oscillator.frequency.value = frequency;
  gain.gain.setValueAtTime(0.0001, context.currentTime + start);
  gain.gain.exponentialRampToValueAtTime(0.2, context.currentTime + start + 0.02);
  gain.gain.exponentialRampToValueAtTime(0.0001, context.currentTime + start + length);
  oscillator.connect(gain).connect(context.destination);
  oscillator.start(context.currentTime + start);
  oscillator.stop(context.currentTime + start + length + 0.05);
}

/** Rings every 3 s until stopped. */
export function ring(): () => void {
  const play = () => {
    beep(440, 0, 0.4);
    beep(480, 0.5, 0.4);
  };
  play();
  const timer = setInterval(play, 3000);
  return () => clearInterval(timer);
}

export function knockSound(): void {
  beep(660, 0, 0.15);
  beep(880, 0.2, 0.2);
}
