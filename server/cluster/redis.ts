/**
 * Redis for several server processes (`redisUrl`): the route rate limits' counters (so that a limit of 10
 * a minute is 10 across all processes, not 10 per process) and socket.io's adapter (events to a room reach
 * sockets on every process; the streams adapter keeps connection state recovery working across a short
 * Redis outage). One connection per use: the adapter blocks on XREAD, which would hold up the counters.
 */
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { hostname } from 'node:os';
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
  // Named by host and process (`CLIENT LIST` shows whose each connection is; the adapter's duplicates of
  // the streams connection inherit its name): an operator can tell the processes apart, and a test can cut
  // one process's subscription.
  const name = (use: string) => `clinicdesk:${hostname()}:${process.pid}:${use}`;
  const rateLimit = new Redis(url, { ...options, connectionName: name('limits') });
  // Every event to a room is one XADD: commands issued in the same turn of the event loop go to Redis in
  // one write instead of one each (ioredis's auto-pipelining), which at thousands of signals a second is
  // most of the adapter's system calls. The stream's readers, duplicated from it, read in bigger pages
  // (1,000 entries per XREAD instead of 100): a process that fell behind catches up in fewer round trips.
  const streams = new Redis(url, {
    ...options,
    connectionName: name('streams'),
    maxRetriesPerRequest: null,
    enableAutoPipelining: true,
  });
  await Promise.all([rateLimit.connect(), streams.connect()]);
  return {
    rateLimit,
    adapter: createAdapter(streams, { readCount: 1_000 }),
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
