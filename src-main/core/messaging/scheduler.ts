/**
 * Runs the daily jobs (due recalls, birthday greetings) every minute while the app is open. The runs are
 * idempotent, so a restart or a second device running them changes nothing.
 */
export interface SchedulerJobs {
  run(): number;
}

export class Scheduler {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly jobs: SchedulerJobs[],
    private readonly onCreated: (count: number) => void,
    private readonly log: (error: unknown) => void,
    private readonly intervalMs = 60_000,
  ) {}

  tick(): number {
    let created = 0;
    for (const job of this.jobs) {
      try {
        created += job.run();
      } catch (error) {
        this.log(error);
      }
    }
    if (created > 0) this.onCreated(created);
    return created;
  }

  start(): void {
    this.stop();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
