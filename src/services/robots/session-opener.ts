import { isoNow } from "../../platform/clock.js";
import { RobotState } from "../../shared/robot.js";
import type { MachineRow } from "../../storage/schema.js";
import type { ServiceContext } from "../context.js";

/** Sessions per INSERT: 9 parameters each, far below SQLite's and PostgreSQL's parameter limits. */
const batchLimit = 500;

export interface SessionInfo {
  hostName: string;
  os: string;
  agentVersion: string;
}

interface Pending {
  machine: MachineRow;
  nodeId: string;
  info: SessionInfo;
  opened: (id: number) => void;
  failed: (error: unknown) => void;
}

/**
 * Opens robot sessions: the hellos that arrive in one turn of the event loop are recorded
 * together, one INSERT and one commit for all of them, each with its `robot.connected` event in
 * that transaction. A restart brings every robot back at once; one transaction per hello made
 * that storm three statements per robot on PostgreSQL (begin, insert, commit). A single hello
 * waits one `setImmediate` for company.
 *
 * If the batch fails (a machine deleted between its key's check and its hello, say), each hello
 * of it is recorded on its own, so one bad row fails only its own robot.
 */
export class SessionOpener {
  private pending: Pending[] = [];

  constructor(private readonly ctx: ServiceContext) {}

  open(machine: MachineRow, nodeId: string, info: SessionInfo): Promise<number> {
    return new Promise((opened, failed) => {
      this.pending.push({ machine, nodeId, info, opened, failed });
      if (this.pending.length === 1) setImmediate(() => void this.openPending());
    });
  }

  private async openPending(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, batchLimit);
      try {
        const ids = await this.insert(batch);
        for (const [i, p] of batch.entries()) p.opened(ids[i] as number);
      } catch (error) {
        if (batch.length === 1) (batch[0] as Pending).failed(error);
        else await Promise.all(batch.map((p) => this.insert([p]).then(([id]) => p.opened(id as number), p.failed)));
      }
    }
  }

  /** Inserts the sessions and emits their events in one transaction; their ids in `batch`'s order. */
  private insert(batch: Pending[]): Promise<number[]> {
    const now = isoNow(this.ctx.clock);
    return this.ctx.db.transaction().execute(async (tx) => {
      const rows = await tx
        .insertInto("robot_sessions")
        .values(
          batch.map(({ machine, nodeId, info }) => ({
            tenant_id: machine.tenant_id,
            machine_id: machine.id,
            node_id: nodeId,
            host_name: info.hostName,
            os: info.os,
            agent_version: info.agentVersion,
            state: RobotState.available,
            connected_at: now,
            last_heartbeat_at: now,
          })),
        )
        .returning(["id", "machine_id", "host_name"])
        .execute();
      // RETURNING promises no order: the rows are matched to the hellos by machine and host (two
      // hellos alike in both are interchangeable).
      const waiting = new Map<string, number[]>();
      for (const [i, p] of batch.entries()) {
        const key = `${p.machine.id}\0${p.info.hostName}`;
        waiting.set(key, [...(waiting.get(key) ?? []), i]);
      }
      const ids = new Array<number>(batch.length);
      for (const row of rows) {
        const i = waiting.get(`${row.machine_id}\0${row.host_name}`)?.shift() as number;
        ids[i] = row.id;
        const { machine, info } = batch[i] as Pending;
        const session = { id: row.id, tenant_id: machine.tenant_id, machine_id: machine.id, host_name: info.hostName };
        await this.ctx.events?.emit(tx, { type: "robot.connected", session });
      }
      return ids;
    });
  }
}
