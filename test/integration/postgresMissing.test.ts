/** Runs in the integration-pg project only where PostgreSQL is not installed: the reason, as a skip. */
import { it } from 'vitest';

it.skip('server tests on PostgreSQL: PostgreSQL is not installed here (Debian: apt-get install postgresql)', () => {});
