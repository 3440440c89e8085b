/** `npm run bench`: every benchmark, one after the other (two cores: nothing runs in parallel). */
import { runAccountsBench } from './accounts.bench';
import { runAgendaBench } from './agenda.bench';
import { runFoundationBench } from './foundation.bench';

console.log(`ClinicDesk benchmarks — Node ${process.version}, ${new Date().toISOString()}`);
await runFoundationBench();
await runAgendaBench();
await runAccountsBench();
