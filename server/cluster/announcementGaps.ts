/**
 * Whether a process has heard every announcement another process made (issue 17). Each process numbers
 * the call changes it announces (1, 2, 3, …, under an id of its own that changes at every start); a
 * listener that hears a number that does not follow the last one it heard from the same process has
 * missed some. The Redis streams adapter sends server-side events over Redis's PUB/SUB, not its stream
 * (they are "ephemeral" to it), and PUB/SUB keeps nothing for a subscriber that is away: a network blip,
 * Redis restarting, or Redis cutting a subscriber that fell behind by more than its output buffer — each
 * loses what was published meanwhile, silently. What the missed ones said is unknown, so the caller drops
 * everything it learnt from announcements (the relay reads the calls afresh).
 *
 * The first number heard from a process is no gap: announcements made before this process listened were
 * about calls it knew nothing of, or read afterwards from the database.
 */
export class AnnouncementGaps {
  private readonly last = new Map<string, number>();

  /** Records an announcement; false when some before it (from the same process) were missed. */
  heard(origin: string, seq: number): boolean {
    const last = this.last.get(origin);
    // Kept only while it is news: an older or repeated number (a re-delivery) changes nothing.
    if (last !== undefined && seq <= last) return true;
    this.last.set(origin, seq);
    return last === undefined || seq === last + 1;
  }

  /** A process that is gone (no heartbeat): its numbering ends with it. */
  forget(origin: string): void {
    this.last.delete(origin);
  }
}
