import { sql } from "kysely";
import { isoNow } from "../../platform/clock.js";
import { RobotState, type StoredRobotState } from "../../shared/robot.js";
import type { ServiceContext } from "../context.js";

/** Sessions per UPDATE: 3 parameters each, far below SQLite's and PostgreSQL's parameter limits. */
const chunkSize = 500;

/**
 * Robot heartbeats, kept in memory and written for all of this node's sessions at once.
 *
 * A heartbeat used to be an UPDATE of its session row (with 1,000 robots at 30 s, 33 writes a
 * second, each a commit on SQLite). Now it only notes when it arrived and whether the robot is
 * busy; `flush()` writes every noted session in one statement (per 500 sessions) a few seconds
 * later, and once more as the node shuts down. The flush interval (≤ 5 s, see serve.ts) is far
 * below what reads `last_heartbeat_at`: the "unresponsive" alert after 120 s of silence and the
 * stale-session sweep after 600 s. The machine view shows a heartbeat at most that much late.
 * The row keeps the heartbeat's own time, not the flush's.
 */
export class HeartbeatBatch {
  private beats = new Map<number, { at: string; state: StoredRobotState }>();

  constructor(private readonly ctx: ServiceContext) {}

  record(sessionId: number, busy: boolean): void {
    this.beats.set(sessionId, { at: isoNow(this.ctx.clock), state: busy ? RobotState.busy : RobotState.available });
  }

  /** A closed session needs no more writes (the UPDATE would skip it anyway). */
  forget(sessionId: number): void {
    this.beats.delete(sessionId);
  }

  get pending(): number {
    return this.beats.size;
  }

  /** Writes the noted heartbeats; those that fail to write are kept for the next flush. */
  async flush(): Promise<number> {
    if (this.beats.size === 0) return 0;
    const taken = [...this.beats];
    this.beats = new Map();
    let written = 0;
    for (let i = 0; i < taken.length; i += chunkSize) {
      const chunk = taken.slice(i, i + chunkSize);
      try {
        const result = await this.ctx.db
          .updateTable("robot_sessions")
          .set({
            last_heartbeat_at: sql<string>`case id ${sql.join(
              chunk.map(([id, b]) => sql`when ${id} then ${b.at}`),
              sql` `,
            )} end`,
            state: sql<StoredRobotState>`case id ${sql.join(
              chunk.map(([id, b]) => sql`when ${id} then ${b.state}`),
              sql` `,
            )} end`,
          })
          .where(
            "id",
            "in",
            chunk.map(([id]) => id),
          )
          // A session closed meanwhile stays closed.
          .where("disconnected_at", "is", null)
          .executeTakeFirst();
        written += Number(result.numUpdatedRows);
      } catch (error) {
        // Back into the map unless a newer heartbeat of the session arrived meanwhile.
        for (const [id, beat] of taken.slice(i)) if (!this.beats.has(id)) this.beats.set(id, beat);
        throw error;
      }
    }
    return written;
  }
}
