/**
 * A thread's own CPU time between two turns of its event loop (issues 13, 16): a timer of a fixed period
 * reads the thread's CPU time at each turn; what was used between two turns is the work that held the
 * thread (the event loop's delay counts also the time it waited for a core).
 *
 * And that figure's baseline: a worker thread that does nothing but the same timer, measured the same way
 * at the same time. What it reports is no work of ours but what the machine charges a thread: on this VM
 * the host's preemption of a running vCPU is charged to the thread it interrupted (`perf` finds a few ms of
 * execution in turns charged 20 ms), so a thread that does nothing is charged over 16 ms now and then.
 */
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';

export interface TurnFigures {
  /** The longest CPU time charged between two turns (ms). */
  longest: number;
  /** Turns with more than 16 ms charged. */
  over16: number;
}

/**
 * Measures this thread's turns every `periodMs` until `stop`. Self-contained (globals only): the idle
 * thread runs this very function from its source.
 */
export function meterTurns(periodMs: number): { stop(): TurnFigures } {
  const figures = { longest: 0, over16: 0 };
  let last = process.threadCpuUsage();
  const timer = setInterval(() => {
    const used = process.threadCpuUsage(last);
    const work = (used.user + used.system) / 1000;
    figures.longest = Math.max(figures.longest, work);
    if (work > 16) figures.over16 += 1;
    last = process.threadCpuUsage();
  }, periodMs);
  return {
    stop() {
      clearInterval(timer);
      return { ...figures };
    },
  };
}

const IDLE_THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const meterTurns = ${meterTurns.toString()};
const meter = meterTurns(workerData.periodMs);
parentPort.once('message', () => parentPort.postMessage(meter.stop()));
`;

/** Starts an idle thread measuring its turns every `periodMs`; `stop` ends it and answers its figures. */
export async function startIdleMeter(periodMs: number): Promise<{ stop(): Promise<TurnFigures> }> {
  const worker = new Worker(IDLE_THREAD, { eval: true, workerData: { periodMs } });
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
