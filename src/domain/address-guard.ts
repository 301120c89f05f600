import { isIP } from "node:net";

/**
 * Which network addresses a webhook may connect to (the SSRF guard). By default only public
 * addresses: loopback, private, link-local, carrier-grade NAT, cloud metadata, documentation,
 * multicast and reserved ranges are refused, in IPv4 and IPv6, including IPv6 forms that embed an
 * IPv4 address (mapped, compatible, NAT64, 6to4). An allow-list of host names, addresses and CIDR
 * ranges (DIRIGENT_WEBHOOK_ALLOWED_HOSTS plus the host setting) lets chosen ones through.
 */

type V4Range = [number, number, string];

const v4 = (a: string): number => a.split(".").reduce((n, part) => n * 256 + Number(part), 0);
const v4Range = (cidr: string, why: string): V4Range => {
  const [base, bits] = cidr.split("/");
  return [v4(base as string), Number(bits), why];
};

const refusedV4: V4Range[] = [
  v4Range("0.0.0.0/8", "an unspecified address"),
  v4Range("10.0.0.0/8", "a private address"),
  v4Range("100.64.0.0/10", "a carrier-grade NAT address"),
  v4Range("127.0.0.0/8", "a loopback address"),
  v4Range("169.254.0.0/16", "a link-local or cloud metadata address"),
  v4Range("172.16.0.0/12", "a private address"),
  v4Range("192.0.0.0/24", "a reserved address"),
  v4Range("192.0.2.0/24", "a documentation address"),
  v4Range("192.88.99.0/24", "a reserved address"),
  v4Range("192.168.0.0/16", "a private address"),
  v4Range("198.18.0.0/15", "a benchmarking address"),
  v4Range("198.51.100.0/24", "a documentation address"),
  v4Range("203.0.113.0/24", "a documentation address"),
  v4Range("224.0.0.0/4", "a multicast address"),
  v4Range("240.0.0.0/4", "a reserved address"),
];

function inV4(addr: number, base: number, bits: number): boolean {
  if (bits === 0) return true;
  const shift = 32 - bits;
  return Math.floor(addr / 2 ** shift) === Math.floor(base / 2 ** shift);
}

/** The eight 16-bit groups of an IPv6 address (with an embedded dotted IPv4 tail resolved). */
export function ipv6Groups(address: string): number[] {
  let a = address.toLowerCase();
  const zone = a.indexOf("%");
  if (zone >= 0) a = a.slice(0, zone);
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (dotted) {
    const n = v4(dotted[1] as string);
    a = `${a.slice(0, dotted.index)}${Math.floor(n / 65536).toString(16)}:${(n % 65536).toString(16)}`;
  }
  const [head, tail] = a.includes("::") ? a.split("::") : [a, null];
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const fill = tail === null ? [] : new Array(8 - h.length - t.length).fill("0");
  return [...h, ...fill, ...t].map((g) => Number.parseInt(g || "0", 16));
}

const v4FromGroups = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;

/** Why `address` (an IP literal) is refused by default, or null when it is public. */
export function refusedReason(address: string): string | null {
  const family = isIP(address);
  if (family === 4) {
    const n = v4(address);
    for (const [base, bits, why] of refusedV4) if (inV4(n, base, bits)) return why;
    return null;
  }
  if (family !== 6) return "not an IP address";
  const g = ipv6Groups(address);
  const [g0, g1, g2, g3, g4, g5, g6, g7] = g as [number, number, number, number, number, number, number, number];
  const zeroTo = (i: number) => g.slice(0, i).every((x) => x === 0);
  if (zeroTo(8)) return "an unspecified address";
  if (zeroTo(7) && g7 === 1) return "a loopback address";
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible): the IPv4 address decides.
  if (zeroTo(5) && (g5 === 0xffff || g5 === 0)) return refusedReason(v4FromGroups(g6, g7));
  // 64:ff9b::/96 (NAT64) embeds an IPv4 address in its last 32 bits.
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0)
    return refusedReason(v4FromGroups(g6, g7));
  // 2002::/16 (6to4) embeds one in groups 1–2.
  if (g0 === 0x2002) return refusedReason(v4FromGroups(g1, g2));
  if ((g0 & 0xfe00) === 0xfc00) return "a unique local address";
  if ((g0 & 0xffc0) === 0xfe80) return "a link-local address";
  if ((g0 & 0xffc0) === 0xfec0) return "a site-local address";
  if ((g0 & 0xff00) === 0xff00) return "a multicast address";
  if (g0 === 0x2001 && g1 === 0xdb8) return "a documentation address";
  if (g0 === 0x100 && g1 === 0 && g2 === 0 && g3 === 0) return "a discard address";
  return null;
}

/** An allow-list entry: a host name, an address, or a CIDR range. */
export function isValidAllowEntry(entry: string): boolean {
  const [addr, bits, ...rest] = entry.split("/");
  if (rest.length > 0 || !addr) return false;
  if (bits !== undefined) {
    const family = isIP(addr);
    const n = Number(bits);
    return family !== 0 && /^\d+$/.test(bits) && n <= (family === 4 ? 32 : 128);
  }
  return isIP(addr) !== 0 || /^[a-z0-9]([a-z0-9-]{0,62}\.)*[a-z0-9-]{0,63}$/i.test(addr);
}

/** The refused ranges with the exceptions an allow-list makes. */
export class AddressGuard {
  private readonly names: Set<string>;
  private readonly ranges: { family: number; groups: number[]; bits: number }[] = [];

  constructor(allowed: readonly string[]) {
    this.names = new Set();
    for (const raw of allowed) {
      const entry = raw
        .trim()
        .toLowerCase()
        .replace(/^\[|\]$/g, "");
      if (!entry) continue;
      const [addr, bits] = entry.split("/");
      const family = isIP(addr as string);
      if (family === 0) {
        this.names.add(entry);
        continue;
      }
      const width = family === 4 ? 32 : 128;
      this.ranges.push({ family, groups: toBits(addr as string), bits: bits === undefined ? width : Number(bits) });
    }
  }

  /** Whether the URL's host name itself is on the allow-list (then every address it resolves to is allowed). */
  allowsName(host: string): boolean {
    return this.names.has(host.toLowerCase().replace(/^\[|\]$/g, ""));
  }

  /** Why connecting to `address` is refused, or null when it may be used. */
  check(address: string, host?: string): string | null {
    if (host && this.allowsName(host)) return null;
    const why = refusedReason(address);
    if (why === null) return null;
    const family = isIP(address);
    const bitsOf = toBits(address);
    for (const r of this.ranges) {
      if (r.family !== family) continue;
      if (prefixEqual(bitsOf, r.groups, r.bits)) return null;
    }
    if (this.names.has(address.toLowerCase())) return null;
    return why;
  }
}

/** An address as an array of bits (32 for IPv4, 128 for IPv6). */
function toBits(address: string): number[] {
  const out: number[] = [];
  if (isIP(address) === 4) {
    const n = v4(address);
    for (let i = 31; i >= 0; i--) out.push(Math.floor(n / 2 ** i) % 2);
    return out;
  }
  for (const g of ipv6Groups(address)) for (let i = 15; i >= 0; i--) out.push((g >> i) & 1);
  return out;
}

function prefixEqual(a: number[], b: number[], bits: number): boolean {
  for (let i = 0; i < bits; i++) if (a[i] !== b[i]) return false;
  return true;
}
