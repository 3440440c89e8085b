/**
 * The baseline of a "main thread's own work per turn" figure (issues 13, 16): a worker thread that does
 * nothing but a timer of the same period and measures its own CPU time between two turns the same way.
 * What it reports is no work of ours but what the machine charges a thread: on this VM the host's
 * preemption of a running vCPU is charged to the thread it interrupted (`perf` finds a few ms of execution
 * in turns charged 20 ms), so a thread that does nothing is charged over 16 ms now and then.
 */
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';

export interface TurnFigures {
  /** The longest CPU time charged between two turns (ms). */
  longest: number;
  /** Turns with more than 16 ms charged. */
  over16: number;
}

const METER = `
const { parentPort, workerData } = require('node:worker_threads');
let longest = 0, over16 = 0;
let last = process.threadCpuUsage();
const turns = setInterval(() => {
  const used = process.threadCpuUsage(last);
  const work = (used.user + used.system) / 1000;
  longest = Math.max(longest, work);
  if (work > 16) over16 += 1;
  last = process.threadCpuUsage();
}, workerData.periodMs);
parentPort.once('message', () => {
  clearInterval(turns);
  parentPort.postMessage({ longest, over16 });
});
`;

/** Starts an idle thread measuring its turns every `periodMs`; `stop` ends it and answers its figures. */
export async function startIdleMeter(periodMs: number): Promise<{ stop(): Promise<TurnFigures> }> {
  const worker = new Worker(METER, { eval: true, workerData: { periodMs } });
  await once(worker, 'online');
  return {
    async stop() {
      worker.postMessage('stop');
      const [figures] = (await once(worker, 'message')) as [TurnFigures];
      await worker.terminate();
      return figures;
    },
  };
}
