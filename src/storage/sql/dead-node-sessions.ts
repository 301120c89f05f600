import type { Db } from "../database.js";

/**
 * Notes that a node is alive; returns false when its row was gone (another node took it for
 * dead and closed its sessions, e.g. after a long pause of this process), so the caller can
 * make its robots reconnect under fresh sessions. An UPDATE first (the common case, one
 * statement), an INSERT only for a node's first beat or after its row was removed.
 */
export async function touchNode(db: Db, nodeId: string, now: string): Promise<"touched" | "inserted"> {
  const touched = await db
    .updateTable("cluster_nodes")
    .set({ last_seen_at: now })
    .where("node_id", "=", nodeId)
    .executeTakeFirst();
  if (Number(touched.numUpdatedRows) > 0) return "touched";
  await db
    .insertInto("cluster_nodes")
    .values({ node_id: nodeId, started_at: now, last_seen_at: now })
    .onConflict((oc) => oc.column("node_id").doUpdateSet({ last_seen_at: now }))
    .execute();
  return "inserted";
}

/**
 * Closes the live robot sessions of nodes not seen since `cutoff`, and forgets those nodes, in
 * one transaction: TWO statements however many nodes and sessions (plus what `onClosed` writes) (the UPDATE picks the sessions
 * through the `robot_sessions_live_node` partial index). Sessions of nodes that never wrote a
 * row (an older version during an upgrade) are left to the 10-minute silence sweep. A node never
 * takes itself for dead (`self`): its own row is as fresh as its clock.
 */
export async function closeDeadNodeSessions(
  db: Db,
  self: string,
  cutoff: string,
  now: string,
  reason: string,
  /** Told the closed sessions inside the transaction (their robot.disconnected events and alerts). */
  onClosed: (tx: Db, sessions: ClosedSession[]) => Promise<void>,
): Promise<number> {
  return db.transaction().execute(async (tx) => {
    const closed = await tx
      .updateTable("robot_sessions")
      .set({ state: "disconnected", disconnected_at: now, disconnect_reason: reason })
      .where("disconnected_at", "is", null)
      .where("node_id", "in", (eb) =>
        eb
          .selectFrom("cluster_nodes")
          .select("node_id")
          .where("last_seen_at", "<", cutoff)
          .where("node_id", "!=", self),
      )
      .returning(["id", "tenant_id", "machine_id", "host_name"])
      .execute();
    await tx.deleteFrom("cluster_nodes").where("last_seen_at", "<", cutoff).where("node_id", "!=", self).execute();
    if (closed.length > 0) await onClosed(tx, closed);
    return closed.length;
  });
}

/** A session a sweep closed. */
export interface ClosedSession {
  id: number;
  tenant_id: number;
  machine_id: number;
  host_name: string;
}

/** Removes a node's row as it shuts down (its sessions are closed by the caller). */
export async function forgetNode(db: Db, nodeId: string): Promise<void> {
  await db.deleteFrom("cluster_nodes").where("node_id", "=", nodeId).execute();
}
