import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AddressGuard, isValidAllowEntry, refusedReason } from "../../src/domain/address-guard.js";
import { WebhookClient } from "../../src/services/webhooks/webhook-client.js";
import { type Receiver, startReceiver } from "../helpers/webhook-receiver.js";

describe("the webhook address guard", () => {
  it.each([
    ["127.0.0.1", "a loopback address"],
    ["10.20.30.40", "a private address"],
    ["172.31.255.255", "a private address"],
    ["192.168.0.1", "a private address"],
    ["169.254.169.254", "a link-local or cloud metadata address"],
    ["100.100.100.200", "a carrier-grade NAT address"],
    ["0.0.0.0", "an unspecified address"],
    ["224.0.0.1", "a multicast address"],
    ["255.255.255.255", "a reserved address"],
    ["::", "an unspecified address"],
    ["::1", "a loopback address"],
    ["::ffff:127.0.0.1", "a loopback address"],
    ["::ffff:7f00:1", "a loopback address"],
    ["::ffff:a9fe:a9fe", "a link-local or cloud metadata address"],
    ["::127.0.0.1", "a loopback address"],
    ["64:ff9b::10.0.0.1", "a private address"],
    ["2002:c0a8:0101::1", "a private address"],
    ["fd00:ec2::254", "a unique local address"],
    ["fc00::1", "a unique local address"],
    ["fe80::1%eth0", "a link-local address"],
    ["ff02::1", "a multicast address"],
  ])("refuses %s as %s", (address, why) => {
    expect(refusedReason(address)).toBe(why);
    expect(new AddressGuard([]).check(address)).toBe(why);
  });

  it.each(["93.184.215.14", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:4700::1111", "::ffff:8.8.8.8"])(
    "lets the public address %s through",
    (address) => {
      expect(refusedReason(address)).toBeNull();
    },
  );

  it("lets allow-listed addresses, ranges and names through, and nothing next to them", () => {
    const guard = new AddressGuard(["127.0.0.1", "10.0.0.0/8", "fd00::/8", "hooks.internal"]);
    expect(guard.check("127.0.0.1")).toBeNull();
    expect(guard.check("127.0.0.2")).toBe("a loopback address");
    expect(guard.check("10.200.1.1")).toBeNull();
    expect(guard.check("192.168.1.1")).toBe("a private address");
    expect(guard.check("fd12::1")).toBeNull();
    expect(guard.check("fc00::1")).toBe("a unique local address");
    expect(guard.check("192.168.1.1", "hooks.internal")).toBeNull();
    expect(guard.check("192.168.1.1", "other.internal")).toBe("a private address");
  });

  it("validates allow-list entries", () => {
    for (const ok of ["127.0.0.1", "10.0.0.0/8", "::1", "fd00::/8", "localhost", "hooks.example.com"])
      expect(isValidAllowEntry(ok), ok).toBe(true);
    for (const bad of ["10.0.0.0/33", "::1/129", "bad host", "a/b/c", "", "host/8"])
      expect(isValidAllowEntry(bad), bad).toBe(false);
  });
});

describe("the webhook HTTP client against a real receiver", () => {
  let r: Receiver;
  beforeAll(async () => {
    r = await startReceiver("k");
  });
  afterAll(async () => {
    await r.close();
  });
  const request = (url: string) => ({ url, event: "ping", deliveryKey: "d-1", body: "{}", secret: "k" });

  it("refuses a host name that resolves to a refused address without opening a connection", async () => {
    const client = new WebhookClient(() => new AddressGuard([]));
    const before = r.connections;
    const result = await client.post(request(`http://localhost:${r.port}/hook`));
    expect(result).toMatchObject({ ok: false, statusCode: null });
    expect(result.reason).toBe(
      "Refused: localhost resolves to 127.0.0.1, a loopback address, which webhooks may not reach unless the allow-list names it.",
    );
    expect(r.connections).toBe(before);
    client.close();
  });

  it("refuses a literal refused address without opening a connection", async () => {
    const client = new WebhookClient(() => new AddressGuard([]));
    const before = r.connections;
    const result = await client.post(request(`http://127.0.0.1:${r.port}/hook`));
    expect(result.reason).toMatch(/^Refused: 127\.0\.0\.1 is a loopback address/);
    expect(r.connections).toBe(before);
    client.close();
  });

  it("connects to the resolved address when the allow-list names the host or its address", async () => {
    for (const allowed of [["localhost"], ["127.0.0.0/8"]]) {
      const client = new WebhookClient(() => new AddressGuard(allowed));
      const result = await client.post(request(`http://localhost:${r.port}/hook`));
      expect(result, allowed[0]).toMatchObject({ ok: true, statusCode: 200, body: "thanks", reason: null });
      client.close();
    }
    expect(r.received.at(-1)?.signatureValid).toBe(true);
  });

  it("reports a host name that does not resolve and a refused connection", async () => {
    const client = new WebhookClient(() => new AddressGuard(["127.0.0.1"]));
    const unknown = await client.post(request("http://no-such-host.invalid/hook"));
    expect(unknown.reason).toMatch(/ENOTFOUND/);
    const closed = await client.post(request("http://127.0.0.1:1/hook"));
    expect(closed.reason).toMatch(/ECONNREFUSED/);
    client.close();
  });
});
