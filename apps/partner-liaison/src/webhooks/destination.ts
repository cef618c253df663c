import { isIPv4, isIPv6 } from 'node:net';

/** What kind of address a webhook would connect to. Only `public` is a destination outside development. */
export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'cgnat'
  | 'metadata'
  | 'unspecified'
  | 'multicast'
  | 'broadcast'
  | 'reserved';

/** Classes a test or development setup may allow (WEBHOOK_ALLOW_PRIVATE_DESTINATIONS); the others never are. */
const PRIVATE_CLASSES: readonly AddressClass[] = ['loopback', 'private', 'link-local', 'cgnat'];

const DESCRIPTION: Record<AddressClass, string> = {
  public: 'a public address',
  loopback: 'a loopback address',
  private: 'a private-network address (RFC 1918 / unique local)',
  'link-local': 'a link-local address',
  cgnat: 'a carrier-grade NAT address (100.64.0.0/10)',
  metadata: 'a cloud metadata service address',
  unspecified: 'the unspecified address',
  multicast: 'a multicast address',
  broadcast: 'the broadcast address',
  reserved: 'a reserved or special-purpose address',
};

export function describeClass(c: AddressClass): string {
  return DESCRIPTION[c];
}

/** Which destinations are allowed (both false outside development and tests). */
export interface DestinationPolicy {
  allowHttp: boolean;
  allowPrivateDestinations: boolean;
}

type Range = [prefix: number[], bits: number, cls: AddressClass];

// Most specific first: the first range that contains the address decides.
const V4: Range[] = [
  [[169, 254, 169, 254], 32, 'metadata'], // AWS, GCP, Azure, OpenStack…
  [[100, 100, 100, 200], 32, 'metadata'], // Alibaba Cloud
  [[255, 255, 255, 255], 32, 'broadcast'],
  [[0], 8, 'unspecified'], // "this network"; 0.0.0.0 connects to the host itself
  [[10], 8, 'private'],
  [[100, 64], 10, 'cgnat'],
  [[127], 8, 'loopback'],
  [[169, 254], 16, 'link-local'],
  [[172, 16], 12, 'private'],
  [[192, 0, 0], 24, 'reserved'], // IETF protocol assignments
  [[192, 0, 2], 24, 'reserved'], // documentation
  [[192, 88, 99], 24, 'reserved'], // 6to4 relay anycast
  [[192, 168], 16, 'private'],
  [[198, 18], 15, 'reserved'], // benchmarking
  [[198, 51, 100], 24, 'reserved'], // documentation
  [[203, 0, 113], 24, 'reserved'], // documentation
  [[224], 4, 'multicast'],
  [[240], 4, 'reserved'], // future use
];

/** The class of an IPv4 or IPv6 address (text); anything that is not a valid address is `reserved`. */
export function classifyAddress(address: string): AddressClass {
  const ip = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  if (isIPv4(ip)) return classifyV4(ip.split('.').map(Number));
  if (isIPv6(ip)) {
    const zone = ip.indexOf('%');
    const cls = classifyV6(ipv6Bytes(zone < 0 ? ip : ip.slice(0, zone)));
    // A zone (fe80::1%eth0) only makes sense on a link: never a public destination.
    return zone >= 0 && cls === 'public' ? 'reserved' : cls;
  }
  return 'reserved';
}

function classifyV4(bytes: number[]): AddressClass {
  for (const [prefix, bits, cls] of V4) if (inPrefix(bytes, prefix, bits)) return cls;
  return 'public';
}

function classifyV6(b: number[]): AddressClass {
  const v4 = (offset: number) => classifyV4(b.slice(offset, offset + 4));
  const zeros = (from: number, to: number) => b.slice(from, to).every((x) => x === 0);
  if (zeros(0, 16)) return 'unspecified'; // ::
  if (zeros(0, 15) && b[15] === 1) return 'loopback'; // ::1
  if (zeros(0, 10) && b[10] === 0xff && b[11] === 0xff) return v4(12); // ::ffff:a.b.c.d, IPv4-mapped
  if (zeros(0, 12)) return 'reserved'; // ::a.b.c.d, deprecated IPv4-compatible
  if (inPrefix(b, [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0], 96)) return v4(12); // 64:ff9b::/96 NAT64
  if (inPrefix(b, [0x00, 0x64, 0xff, 0x9b, 0x00, 0x01], 48)) return 'private'; // 64:ff9b:1::/48 local NAT64
  if (inPrefix(b, [0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54], 128)) return 'metadata'; // AWS IMDS
  if (inPrefix(b, [0x20, 0x02], 16)) {
    // 6to4 embeds an IPv4 address: judge that one.
    const embedded = v4(2);
    return embedded === 'public' ? 'public' : embedded;
  }
  if (inPrefix(b, [0x20, 0x01, 0x00, 0x00], 32)) return 'reserved'; // Teredo (embeds an obfuscated IPv4)
  if (inPrefix(b, [0x20, 0x01, 0x0d, 0xb8], 32)) return 'reserved'; // documentation
  if (inPrefix(b, [0x20, 0x01, 0x00], 23)) return 'reserved'; // IETF protocol assignments (2001::/23)
  if (inPrefix(b, [0x01, 0x00, 0, 0, 0, 0, 0, 0], 64)) return 'reserved'; // discard-only
  if (inPrefix(b, [0xfc], 7)) return 'private'; // fc00::/7 unique local
  if (inPrefix(b, [0xfe, 0x80], 10)) return 'link-local'; // fe80::/10
  if (inPrefix(b, [0xfe, 0xc0], 10)) return 'private'; // fec0::/10 site-local (deprecated)
  if (inPrefix(b, [0xff], 8)) return 'multicast';
  if (inPrefix(b, [0x20], 3)) return 'public'; // 2000::/3, global unicast
  return 'reserved';
}

function inPrefix(bytes: number[], prefix: number[], bits: number): boolean {
  for (let i = 0; i * 8 < bits; i++) {
    const take = Math.min(8, bits - i * 8);
    const mask = (0xff << (8 - take)) & 0xff;
    if (((bytes[i] ?? 0) & mask) !== ((prefix[i] ?? 0) & mask)) return false;
  }
  return true;
}

/** The 16 bytes of a valid IPv6 address (without zone), the `::` and an embedded dotted IPv4 tail expanded. */
function ipv6Bytes(ip: string): number[] {
  let text = ip.toLowerCase();
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    tail.push(
      ...text
        .slice(lastColon + 1)
        .split('.')
        .map(Number),
    );
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [head, rest] = text.includes('::') ? text.split('::') : [text, undefined];
  const groups = (s: string | undefined) => (s ? s.split(':').filter((g) => g !== '') : []);
  const h = groups(head);
  const r = groups(rest);
  const all = rest === undefined ? h : [...h, ...Array<string>(8 - h.length - r.length).fill('0'), ...r];
  const bytes = all.flatMap((g) => {
    const n = parseInt(g, 16);
    return [n >> 8, n & 0xff];
  });
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes;
}

/** Why this address may not be connected to under `policy`, or undefined when it may. */
export function addressRefusal(address: string, policy: DestinationPolicy): AddressClass | undefined {
  const cls = classifyAddress(address);
  if (cls === 'public') return undefined;
  if (policy.allowPrivateDestinations && PRIVATE_CLASSES.includes(cls)) return undefined;
  return cls;
}

/** A problem with a webhook URL itself, before any name is resolved. */
export interface UrlProblem {
  rule: 'httpsOnly' | 'noCredentials' | 'publicAddress' | 'resolvable';
  message: string;
}

/**
 * The checks that need no DNS: the scheme (`https:`, or `http:` only when allowed), no user:password in the URL (it
 * would be stored and shown in clear), and, when the host is an address literal, that address.
 */
export function urlProblem(url: URL, policy: DestinationPolicy): UrlProblem | undefined {
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowHttp)) {
    return {
      rule: 'httpsOnly',
      message: `webhook.url must be an https:// URL (got ${url.protocol}//)${url.protocol === 'http:' ? ': http:// is allowed in development only' : ''}`,
    };
  }
  if (url.username || url.password) {
    return {
      rule: 'noCredentials',
      message: 'webhook.url must not carry a user name or password: the request is authenticated by its signature',
    };
  }
  const host = hostOf(url);
  if (isIPv4(host) || isIPv6(host)) {
    const refused = addressRefusal(host, policy);
    if (refused) {
      return {
        rule: 'publicAddress',
        message: `webhook.url points to ${host}, ${describeClass(refused)}: webhooks go only to public internet addresses`,
      };
    }
  }
  return undefined;
}

/** The URL's host as an address or a name (IPv6 literals without their brackets). */
export function hostOf(url: URL): string {
  const h = url.hostname;
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
}
