import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  APP_ORIGIN,
  buildCsp,
  buildExternalLink,
  isOpenableExternal,
  isPermissionAllowed,
} from '../../src-main/core/security/policy';
import { contentTypeOf, resolveAsset } from '../../src-main/core/static/staticAssets';
import { languageFromLocales } from '../../src-main/core/i18n/locale';

describe('CSP', () => {
  const csp = buildCsp('https://clinicdesk.example.org');
  const directive = (name: string) => csp.split('; ').find((d) => d.startsWith(`${name} `));

  it('allows scripts from our own origin only, no inline code, no eval', () => {
    expect(directive('script-src')).toBe("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(directive('default-src')).toBe("default-src 'none'");
    expect(directive('object-src')).toBe("object-src 'none'");
    expect(directive('frame-ancestors')).toBe("frame-ancestors 'none'");
  });

  it('lets the renderer reach only itself and the configured server (HTTP and WebSocket)', () => {
    expect(directive('connect-src')).toBe(
      "connect-src 'self' https://clinicdesk.example.org wss://clinicdesk.example.org",
    );
    expect(buildCsp('http://127.0.0.1:4780')).toContain("connect-src 'self' http://127.0.0.1:4780 ws://127.0.0.1:4780");
  });
});

describe('permissions', () => {
  it('grants camera, microphone and screen capture to our own origin only', () => {
    expect(isPermissionAllowed('media', `${APP_ORIGIN}/index.html`)).toBe(true);
    expect(isPermissionAllowed('display-capture', APP_ORIGIN)).toBe(true);
    expect(isPermissionAllowed('clipboard-sanitized-write', APP_ORIGIN)).toBe(true);
    expect(isPermissionAllowed('clipboard-sanitized-write', 'https://evil.example')).toBe(false);
    expect(isPermissionAllowed('media', 'https://evil.example')).toBe(false);
    expect(isPermissionAllowed('media', 'app://clinicdesk.evil/index.html')).toBe(false);
    for (const permission of ['geolocation', 'notifications', 'midi', 'openExternal', 'clipboard-read', 'hid', 'usb']) {
      expect(isPermissionAllowed(permission, APP_ORIGIN)).toBe(false);
    }
  });
});

describe('external links', () => {
  it('builds https links on our website in the user language', () => {
    expect(buildExternalLink('help', 'de')).toBe('https://clinicdesk.app/de/help');
    expect(isOpenableExternal(buildExternalLink('privacy', 'sv'))).toBe(true);
  });

  it('refuses anything else', () => {
    for (const url of [
      'http://clinicdesk.app/de/help',
      'https://evil.example',
      'file:///etc/passwd',
      'javascript:x',
      'https://clinicdesk.app.evil.example/x',
    ]) {
      expect(isOpenableExternal(url)).toBe(false);
    }
  });
});

describe('static assets', () => {
  const root = '/srv/renderer';
  it('maps paths inside the renderer folder', () => {
    expect(resolveAsset(root, '/')).toBe(join(root, 'index.html'));
    expect(resolveAsset(root, '/assets/index-1.js')).toBe(join(root, 'assets/index-1.js'));
    expect(contentTypeOf('a.js')).toContain('javascript');
  });
  it('refuses traversal, NUL bytes, bad escapes and unknown types', () => {
    expect(resolveAsset(root, '/../secrets.json')).toBeNull();
    expect(resolveAsset(root, '/%2e%2e/%2e%2e/etc/passwd.json')).toBeNull();
    expect(resolveAsset(root, '/a%00.js')).toBeNull();
    expect(resolveAsset(root, '/%E0%A4%A')).toBeNull();
    expect(resolveAsset(root, '/main.cjs')).toBeNull();
  });
});

describe('language from the system locale', () => {
  it.each([
    [['de-AT', 'en-US'], 'de'],
    [['sv_SE'], 'sv'],
    [['fr-FR', 'da-DK'], 'da'],
    [['nb-NO'], 'da'],
    [['fr-FR'], 'en'],
    [[], 'en'],
  ])('%j → %s', (locales, language) => {
    expect(languageFromLocales(locales)).toBe(language);
  });
});
