import { runSyncBench } from './sync.bench';
await runSyncBench();
