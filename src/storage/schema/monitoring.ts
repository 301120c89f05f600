import type { ColumnType } from "kysely";

/** Monitoring rollups written by listeners and the minute sampler. */

/** Job counters per tenant, folder, process and minute or hour (migration 0016). */
export interface JobRollupTable {
  tenant_id: number;
  folder_id: number;
  process_id: number;
  created: number;
  started: number;
  successful: number;
  faulted: number;
  stopped: number;
  /** bigint: pg returns it as a string. */
  duration_ms_sum: ColumnType<string | number, number, number>;
  duration_count: number;
  d0: number;
  d1: number;
  d2: number;
  d3: number;
  d4: number;
  d5: number;
  d6: number;
  d7: number;
  d8: number;
  d9: number;
  d10: number;
  d11: number;
}

/** Slot use sampled per machine. */
export interface MachineRollupTable {
  tenant_id: number;
  machine_id: number;
  samples: number;
  busy_slots: number;
  total_slots: number;
}

/** Queue item counts sampled per queue. */
export interface QueueRollupTable {
  tenant_id: number;
  folder_id: number;
  queue_id: number;
  new_items: number;
  in_progress: number;
  successful: number;
  failed: number;
  abandoned: number;
  processing_ms_sum: ColumnType<string | number, number, number>;
  processing_count: number;
}

/** E-mail outbox health of the whole installation per hour. */
export interface EmailRollupTable {
  hour: number;
  sent: number;
  failed: number;
  held: number;
}

/** The newest faulted job of each process (monitoring's "most faulted processes"). */
export interface JobLastFaultTable {
  tenant_id: number;
  process_id: number;
  job_id: number;
  error: string | null;
  ended_at: string;
}
