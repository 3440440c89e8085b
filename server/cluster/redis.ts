/**
 * Redis for several server processes (`redisUrl`): the route rate limits' counters (so that a limit of 10
 * a minute is 10 across all processes, not 10 per process) and socket.io's adapter (events to a room reach
 * sockets on every process; the streams adapter keeps connection state recovery working across a short
 * Redis outage). One connection per use: the adapter blocks on XREAD, which would hold up the counters.
 */
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { Redis } from 'ioredis';

export interface RedisLinks {
  rateLimit: Redis;
  adapter: ReturnType<typeof createAdapter>;
  /** Readiness: Redis answers. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export async function connectRedis(url: string): Promise<RedisLinks> {
  // Fail fast: a request must not hang on an unreachable Redis (the rate limiter's advice), and a server
  // that cannot reach Redis at start says so instead of starting half-working.
  const options = { connectTimeout: 2_000, maxRetriesPerRequest: 1, lazyConnect: true };
  const rateLimit = new Redis(url, options);
  const streams = new Redis(url, { ...options, maxRetriesPerRequest: null });
  await Promise.all([rateLimit.connect(), streams.connect()]);
  return {
    rateLimit,
    adapter: createAdapter(streams),
    async ping() {
      try {
        return (await rateLimit.ping()) === 'PONG';
      } catch {
        return false;
      }
    },
    async close() {
      rateLimit.disconnect();
      streams.disconnect();
    },
  };
}
