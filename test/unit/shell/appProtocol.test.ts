import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { recorded } from './fakeElectron';

vi.mock('electron', () => import('./fakeElectron'));
const { handleAppProtocol, registerAppScheme } = await import('../../../src-main/shell/appProtocol');
const { buildCsp } = await import('../../../src-main/core/security/policy');

describe('app:// protocol', () => {
  beforeEach(() => recorded.reset());

  it('registers app as a standard, secure scheme', () => {
    registerAppScheme();
    expect(recorded.schemes).toEqual([
      { scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true }) },
    ]);
  });

  it('serves the renderer with the strict CSP and nothing outside it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clinicdesk-renderer-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>x</title>');
    writeFileSync(join(dir, 'assets', 'a.js'), 'export {}');
    writeFileSync(join(dir, '..', 'outside.json'), '{}');
    const csp = buildCsp('http://127.0.0.1:4780');
    handleAppProtocol(dir, () => csp);
    const handler = recorded.protocolHandlers.get('app')!;

    const page = await handler(new Request('app://clinicdesk/index.html'));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe(csp);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('<title>x</title>');

    const script = await handler(new Request('app://clinicdesk/assets/a.js'));
    expect(script.headers.get('content-type')).toContain('javascript');

    expect((await handler(new Request('app://clinicdesk/../outside.json'))).status).toBe(404);
    expect((await handler(new Request('app://clinicdesk/%2e%2e/outside.json'))).status).toBe(404);
    expect((await handler(new Request('app://other/index.html'))).status).toBe(404);
    expect((await handler(new Request('app://clinicdesk/missing.js'))).status).toBe(404);
  });
});
