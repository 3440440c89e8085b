/**
 * ICE servers for the peers: STUN, and TURN (also TURN over TLS on 443) with time-limited credentials in
 * the coturn REST-API format: username "<expiry>:<id>", credential base64(HMAC-SHA1(secret, username)).
 */
import { createHmac } from 'node:crypto';

export interface IceConfig {
  stunUrls: readonly string[];
  turnUrls: readonly string[];
  turnSecret?: string | undefined;
  turnTtlSeconds: number;
}

export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

export function iceServersFor(config: IceConfig, id: string, now: number): IceServer[] {
  const servers: IceServer[] = [];
  if (config.stunUrls.length > 0) servers.push({ urls: [...config.stunUrls] });
  if (config.turnUrls.length > 0 && config.turnSecret) {
    const username = `${Math.floor(now / 1000) + config.turnTtlSeconds}:${id}`;
    const credential = createHmac('sha1', config.turnSecret).update(username).digest('base64');
    servers.push({ urls: [...config.turnUrls], username, credential });
  }
  return servers;
}
