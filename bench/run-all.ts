/** `npm run bench`: every benchmark, one after the other (two cores: nothing runs in parallel). */
import { runAccountsBench } from './accounts.bench';
import { runAgendaBench } from './agenda.bench';
import { runCallSetupBench } from './callSetup.bench';
import { runFoundationBench } from './foundation.bench';
import { isBenchServer, runSignallingBench } from './signalling.bench';
import { runSendingBench } from './sending.bench';
import { runSyncBench } from './sync.bench';
import { runTelehealthBench } from './telehealth.bench';

// The signalling benchmark forks this same bundle as its server; that process runs no benchmark.
if (!isBenchServer) {
  console.log(`ClinicDesk benchmarks — Node ${process.version}, ${new Date().toISOString()}`);
  await runFoundationBench();
  await runAgendaBench();
  await runAccountsBench();
  await runSignallingBench();
  await runCallSetupBench();
  await runSendingBench();
  await runSyncBench();
  await runTelehealthBench();
}
