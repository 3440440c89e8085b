/**
 * `npm run bench`: every benchmark, one after the other (two cores: nothing runs in parallel).
 * `npm run bench -- telehealth sync`: only the named ones.
 */
import { runAccountsBench } from './accounts.bench';
import { runAgendaBench } from './agenda.bench';
import { runBookingLoadBench } from './bookingLoad.bench';
import { runCallSetupBench } from './callSetup.bench';
import { isClusterBenchHelper, runClusterBench } from './cluster.bench';
import { runFoundationBench } from './foundation.bench';
import { runServerDbBench } from './serverDb.bench';
import { isBenchServer, runSignallingBench } from './signalling.bench';
import { runStatementsBench } from './statements.bench';
import { runSignInsBench } from './signIns.bench';
import { isSendingWorker, runSendingBench } from './sending.bench';
import { isSyncBenchServer, runSyncBench } from './sync.bench';
import { runTelehealthBench } from './telehealth.bench';

const BENCHES: Record<string, () => Promise<void>> = {
  foundation: runFoundationBench,
  agenda: runAgendaBench,
  accounts: runAccountsBench,
  signalling: runSignallingBench,
  call: runCallSetupBench,
  sending: runSendingBench,
  sync: runSyncBench,
  load: runBookingLoadBench,
  cluster: runClusterBench,
  signins: runSignInsBench,
  serverdb: runServerDbBench,
  statements: runStatementsBench,
  telehealth: runTelehealthBench,
};

// The signalling, sending, sync and cluster benchmarks fork this same bundle as servers, dispatchers and
// clients; those run no benchmark.
if (!isBenchServer && !isSendingWorker && !isSyncBenchServer && !isClusterBenchHelper) {
  const asked = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const unknown = asked.filter((name) => !Object.hasOwn(BENCHES, name));
  if (unknown.length > 0) {
    console.error(`unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(BENCHES).join(', ')}`);
    process.exit(2);
  }
  console.log(`ClinicDesk benchmarks — Node ${process.version}, ${new Date().toISOString()}`);
  for (const [name, run] of Object.entries(BENCHES)) if (asked.length === 0 || asked.includes(name)) await run();
}
