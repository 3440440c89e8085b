/**
 * Hybrid logical clock: wall-clock milliseconds plus a counter plus the node id, formatted so that string
 * order is causal order. Every synced row and field carries one; the later stamp wins when devices merge.
 */
const WALL = 9; // base-36 digits: good until the year 5188
const COUNTER = 5;

export interface HlcParts {
  wall: number;
  counter: number;
  node: string;
}

export const formatHlc = ({ wall, counter, node }: HlcParts): string =>
  `${wall.toString(36).padStart(WALL, '0')}:${counter.toString(36).padStart(COUNTER, '0')}:${node}`;

export function parseHlc(stamp: string): HlcParts | null {
  const match = /^([0-9a-z]{9}):([0-9a-z]{5}):([0-9a-z]{1,32})$/.exec(stamp);
  if (!match) return null;
  return { wall: parseInt(match[1]!, 36), counter: parseInt(match[2]!, 36), node: match[3]! };
}

export class HybridClock {
  private wall = 0;
  private counter = 0;

  constructor(
    readonly node: string,
    /** The device's wall clock (the current weeks of a first download are counted from it too). */
    readonly now: () => number = Date.now,
  ) {
    if (!/^[0-9a-z]{1,32}$/.test(node)) throw new Error('HLC node ids are 1–32 characters of [0-9a-z]');
  }

  /** A stamp for a local change: later than every stamp this clock has made or seen. */
  tick(): string {
    const physical = this.now();
    if (physical > this.wall) {
      this.wall = physical;
      this.counter = 0;
    } else {
      this.counter += 1;
    }
    return formatHlc({ wall: this.wall, counter: this.counter, node: this.node });
  }

  /** Takes in a stamp from another device, so the next local stamp orders after it. */
  receive(stamp: string): void {
    const remote = parseHlc(stamp);
    if (!remote) return;
    const physical = this.now();
    const wall = Math.max(this.wall, remote.wall, physical);
    if (wall === this.wall && wall === remote.wall) this.counter = Math.max(this.counter, remote.counter) + 1;
    else if (wall === this.wall) this.counter += 1;
    else if (wall === remote.wall) this.counter = remote.counter + 1;
    else this.counter = 0;
    this.wall = wall;
  }
}
