import { describe, expect, it } from "vitest";
import { maxIds, type TenantChange, TenantChanges } from "../../src/services/changes/tenant-changes.js";
import { type ClusterBus, type ClusterMessage, localBus } from "../../src/storage/cluster-bus.js";

/** Two nodes' feeds joined the way PostgreSQL's LISTEN/NOTIFY joins them: each hears the other's messages, not its own. */
function joinedBuses(): [ClusterBus, ClusterBus] {
  const listeners: [((m: ClusterMessage) => void)[], ((m: ClusterMessage) => void)[]] = [[], []];
  const bus = (own: 0 | 1): ClusterBus => ({
    ...localBus,
    publish: (message) => {
      for (const l of listeners[own === 0 ? 1 : 0]) l(JSON.parse(JSON.stringify(message)));
    },
    subscribe: (l) => {
      listeners[own].push(l);
    },
  });
  return [bus(0), bus(1)];
}

function listen(changes: TenantChanges, tenantId: number): TenantChange[] {
  const heard: TenantChange[] = [];
  changes.subscribe(tenantId, (c) => heard.push(c));
  return heard;
}

describe("the tenant change feed's merging", () => {
  it("merges notices of one kind and folder into one, naming every id", async () => {
    const changes = new TenantChanges(null, 20);
    const heard = listen(changes, 1);
    const other = listen(changes, 2);
    for (let id = 1; id <= 10; id++) changes.note(1, { kind: "jobs", folderId: 3, ids: [id] });
    changes.note(1, { kind: "jobs", folderId: 4, ids: [99] });
    changes.note(1, { kind: "machines", folderId: null, ids: [7] });
    await expect.poll(() => heard.length).toBe(3);
    expect(heard).toContainEqual({ kind: "jobs", folderId: 3, ids: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] });
    expect(heard).toContainEqual({ kind: "jobs", folderId: 4, ids: [99] });
    expect(heard).toContainEqual({ kind: "machines", folderId: null, ids: [7] });
    expect(other).toEqual([]);
  });

  it("names no ids when more than the limit changed", async () => {
    const changes = new TenantChanges(null, 20);
    const heard = listen(changes, 1);
    changes.note(1, { kind: "jobs", folderId: 3, ids: Array.from({ length: maxIds + 1 }, (_, i) => i + 1) });
    await expect.poll(() => heard).toEqual([{ kind: "jobs", folderId: 3 }]);
  });

  it("tells the other node, which merges what it heard with its own and does not send it back", async () => {
    const [busA, busB] = joinedBuses();
    const a = new TenantChanges(null, 20);
    const b = new TenantChanges(null, 200);
    a.connect(busA);
    b.connect(busB);
    const onA = listen(a, 1);
    const onB = listen(b, 1);
    b.note(1, { kind: "queues", folderId: 5, ids: [2] });
    a.note(1, { kind: "queues", folderId: 5, ids: [1] });
    await expect.poll(() => onB).toEqual([{ kind: "queues", folderId: 5, ids: [1, 2] }]);
    await expect.poll(() => onA.flatMap((c) => c.ids ?? []).sort()).toEqual([1, 2]);
    // A heard B's notice once (B's own flush), and nothing echoed back to it afterwards.
    expect(onA.filter((c) => c.ids?.includes(2))).toHaveLength(1);
  });
});
