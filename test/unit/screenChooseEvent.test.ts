/** The `screen.choose` event as the preload checks it: only PNG data URLs as thumbnails, bounded sizes. */
import { describe, expect, it } from 'vitest';
import { events } from '../../src-preload/contract';

const source = { id: 'screen:1:0', name: 'Entire Screen', kind: 'screen', thumbnail: 'data:image/png;base64,AAAA' };
const check = (sources: unknown[]) => events['screen.choose'].safeParse({ requestId: 'req-1', sources }).success;

describe('screen.choose event', () => {
  it('takes PNG data URLs and refuses anything else as a thumbnail', () => {
    expect(check([source])).toBe(true);
    for (const thumbnail of [
      'javascript:alert(1)',
      'https://evil.example/x.png',
      'data:image/svg+xml;base64,PHN2Zz4=',
      'data:image/png;base64,AAAA"><script>',
    ]) {
      expect(check([{ ...source, thumbnail }]), thumbnail).toBe(false);
    }
    expect(check([{ ...source, kind: 'tab' }])).toBe(false);
    expect(check(Array.from({ length: 51 }, () => source))).toBe(false);
    expect(events['screen.choose'].safeParse({ requestId: 'NOT OK', sources: [] }).success).toBe(false);
  });
});
