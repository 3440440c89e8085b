import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { iceServersFor } from '../../server/calls/iceServers';

describe('ICE servers', () => {
  it('gives STUN, and TURN with time-limited credentials in the coturn REST-API format', () => {
    const now = Date.UTC(2026, 10, 22, 12);
    const servers = iceServersFor(
      {
        stunUrls: ['stun:turn.clinic.example:3478'],
        turnUrls: ['turn:turn.clinic.example:3478?transport=udp', 'turns:turn.clinic.example:443?transport=tcp'],
        turnSecret: 'a-long-shared-secret-for-coturn',
        turnTtlSeconds: 3600,
      },
      'account-1',
      now,
    );
    const expiry = now / 1000 + 3600;
    expect(servers).toEqual([
      { urls: ['stun:turn.clinic.example:3478'] },
      {
        urls: ['turn:turn.clinic.example:3478?transport=udp', 'turns:turn.clinic.example:443?transport=tcp'],
        username: `${expiry}:account-1`,
        credential: createHmac('sha1', 'a-long-shared-secret-for-coturn')
          .update(`${expiry}:account-1`)
          .digest('base64'),
      },
    ]);
  });

  it('offers no TURN without a secret (nothing to sign credentials with)', () => {
    expect(iceServersFor({ stunUrls: [], turnUrls: ['turn:x:3478'], turnTtlSeconds: 60 }, 'a', 0)).toEqual([]);
  });
});
