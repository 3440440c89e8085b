import { describe, expect, it } from 'vitest';
import { HybridClock, parseHlc } from '../../src-main/core/sync/hlc';

describe('hybrid logical clock', () => {
  it('orders stamps by string comparison, even when the wall clock stands still or goes back', () => {
    let t = 1_000_000;
    const clock = new HybridClock('a1', () => t);
    const stamps = [clock.tick(), clock.tick()];
    t -= 5_000; // the system clock is set back
    stamps.push(clock.tick());
    t += 10_000;
    stamps.push(clock.tick());
    expect([...stamps].sort()).toEqual(stamps);
    expect(new Set(stamps).size).toBe(4);
    expect(parseHlc(stamps[1]!)).toEqual({ wall: 1_000_000, counter: 1, node: 'a1' });
  });

  it('orders after a stamp received from another device', () => {
    const ahead = new HybridClock('b', () => 9_000_000);
    const remote = ahead.tick();
    const local = new HybridClock('a', () => 1_000);
    local.receive(remote);
    expect(local.tick() > remote).toBe(true);
    local.receive('garbage');
    expect(local.tick() > remote).toBe(true);
  });

  it('refuses node ids that would break the format', () => {
    expect(() => new HybridClock('A:B')).toThrow();
  });
});
