/**
 * Starts the services the integration and end-to-end tests share: a throw-away PostgreSQL cluster and a
 * Redis server (Debian's packages, loopback only). Their URLs reach the tests through `inject`; where one
 * is missing, the reason does, and the tests that need it skip themselves with it.
 */
import type { TestProject } from 'vitest/node';
import { startPostgres, startRedis, type ServiceResult } from './services';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string | null;
    redisUrl: string | null;
    servicesSkipped: string;
  }
}

const urlOf = (result: ServiceResult): string | null => ('url' in result ? result.url : null);
const why = (name: string, result: ServiceResult): string[] =>
  'skipped' in result ? [`${name}: ${result.skipped}`] : [];

// Several projects name this file; the services start once and stop after the last project is done.
let started: Promise<ServiceResult[]> | null = null;
let users = 0;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const wanted = process.env.CLINICDESK_TEST_SERVICES !== 'off';
  users += 1;
  started ??= wanted
    ? Promise.all([startPostgres(), startRedis()])
    : Promise.resolve([{ skipped: 'CLINICDESK_TEST_SERVICES=off' }, { skipped: 'CLINICDESK_TEST_SERVICES=off' }]);
  const [postgres, redis] = (await started) as [ServiceResult, ServiceResult];
  project.provide('postgresUrl', urlOf(postgres));
  project.provide('redisUrl', urlOf(redis));
  project.provide('servicesSkipped', [...why('PostgreSQL', postgres), ...why('Redis', redis)].join('; '));
  return async () => {
    users -= 1;
    if (users > 0) return;
    await Promise.all([postgres, redis].map((s) => ('stop' in s ? s.stop() : undefined)));
  };
}
