import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { lifecycle, recorded } from './fakeElectron';
import { ROOT } from '../../harness/testBridge';

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

  it('must register the scheme before ready and serve it once, as Electron enforces', () => {
    // main.ts calls registerAppScheme() when it is loaded, before app.whenReady() — Electron throws after.
    const main = readFileSync(join(ROOT, 'src-main', 'shell', 'main.ts'), 'utf8');
    expect(main.indexOf('registerAppScheme();')).toBeGreaterThan(-1);
    expect(main.indexOf('registerAppScheme();')).toBeLessThan(main.indexOf('app.whenReady()'));
    lifecycle.ready = true;
    expect(() => registerAppScheme()).toThrow(/before app is ready/);
    handleAppProtocol('/nonexistent', () => '');
    expect(() => handleAppProtocol('/nonexistent', () => '')).toThrow(/Failed to register protocol/);
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
