/**
 * The tab id a signalling socket gives in its handshake: kept across reloads of one tab (sessionStorage),
 * new in another tab, always of the form the server accepts (protocol's TAB_ID).
 */
import { describe, expect, it } from 'vitest';
import { handshakeSchema, TAB_ID } from '../../protocol/calls';
import { pageTabId } from '../../src-renderer/calls/pageTab';

const memoryStorage = () => {
  const values = new Map<string, string>();
  return {
    getItem: (key: string) => values.get(key) ?? null,
    setItem: (key: string, value: string) => void values.set(key, value),
    values,
  };
};

describe('page tab id', () => {
  it('is kept by one tab across reloads and differs between tabs', () => {
    const tab = memoryStorage();
    const first = pageTabId(tab);
    expect(first).toMatch(TAB_ID);
    expect(pageTabId(tab)).toBe(first);
    const other = pageTabId(memoryStorage());
    expect(other).toMatch(TAB_ID);
    expect(other).not.toBe(first);
    expect(handshakeSchema.parse({ tab: first, token: 'x' })).toEqual({ tab: first });
  });

  it('replaces a stored value the server would not accept, and says nothing without storage', () => {
    const tab = memoryStorage();
    tab.values.set('clinicdesk.tab', '<script>');
    expect(pageTabId(tab)).toMatch(TAB_ID);
    expect(pageTabId(null)).toBeNull();
    const blocked = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => undefined,
    };
    expect(pageTabId(blocked)).toBeNull();
  });
});
