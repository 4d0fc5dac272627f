/** The broadest networks a database or service may be opened to. Anything wider is refused. */
export const MIN_IPV4_PREFIX = 16;
export const MIN_IPV6_PREFIX = 48;

const INSTEAD =
  'Name the networks that need access (your office or VPN egress range, e.g. 203.0.113.0/24), ' +
  'or leave the setting empty and use the RDS Data API, which needs no network path at all.';

/**
 * Checks one CIDR block. Returns undefined when it is acceptable, otherwise a sentence that says
 * what is wrong and what to do instead.
 */
export function checkCidr(cidr: string): string | undefined {
  const slash = cidr.indexOf('/');
  if (slash < 0) {
    return `"${cidr}" has no prefix length. Write a CIDR block such as 203.0.113.0/24 (or 203.0.113.7/32 for one address).`;
  }
  const address = cidr.slice(0, slash);
  const prefixText = cidr.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText)) return `"${prefixText}" is not a prefix length. ${example(cidr)}`;
  const prefix = Number(prefixText);

  if (address.includes(':')) {
    const bits = parseIpv6(address);
    if (!bits) return `"${address}" is not an IPv6 address. ${example(cidr)}`;
    if (prefix > 128) return `IPv6 prefixes are at most /128, got /${prefix}.`;
    if (prefix === 0) {
      return `::/0 is the whole IPv6 internet: it would expose the database to anyone. ${INSTEAD}`;
    }
    if (prefix < MIN_IPV6_PREFIX) {
      return `/${prefix} is broader than /${MIN_IPV6_PREFIX}, the broadest IPv6 range allowed (a shorter prefix spans networks you do not control). ${INSTEAD}`;
    }
    if (hostBitsSet(bits, prefix)) {
      return `host bits are set after /${prefix}; write the network address of the block. ${example(cidr)}`;
    }
    const embedded = IPV4_EMBEDDING_RANGES.find((range) => overlaps(bits, prefix, range.bits, range.prefix));
    if (embedded) {
      return (
        `it overlaps ${embedded.cidr}, the ${embedded.name} range, whose addresses stand for IPv4 addresses: ` +
        'a rule for it would open IPv4 networks under an IPv6 name, past the checks on IPv4 ranges. ' +
        'Write the IPv4 network itself instead (e.g. 203.0.113.0/24).'
      );
    }
    return undefined;
  }

  const bits = parseIpv4(address);
  if (!bits) return `"${address}" is not an IPv4 address. ${example(cidr)}`;
  if (prefix > 32) return `IPv4 prefixes are at most /32, got /${prefix}.`;
  if (prefix === 0) {
    return `0.0.0.0/0 is the whole internet: it would expose the database to anyone. ${INSTEAD}`;
  }
  if (prefix < MIN_IPV4_PREFIX) {
    return `/${prefix} is broader than /${MIN_IPV4_PREFIX}, the broadest IPv4 range allowed (it spans ${2 ** (32 - prefix)} addresses). ${INSTEAD}`;
  }
  if (hostBitsSet(bits, prefix)) {
    return `host bits are set after /${prefix}; use the network address ${networkAddressV4(bits, prefix)}/${prefix}.`;
  }
  return undefined;
}

/** Whether a valid CIDR block is IPv6. */
export function isIpv6Cidr(cidr: string): boolean {
  return cidr.includes(':');
}

/**
 * IPv6 ranges whose addresses embed an IPv4 address: IPv4-mapped addresses (RFC 4291, section
 * 2.5.5.2, https://www.rfc-editor.org/rfc/rfc4291#section-2.5.5.2) and the NAT64 well-known prefix
 * (RFC 6052, section 2.1, https://www.rfc-editor.org/rfc/rfc6052#section-2.1). A block inside either,
 * or one that contains either, is refused.
 */
const IPV4_EMBEDDING_RANGES = [
  { cidr: '::ffff:0:0/96', name: 'IPv4-mapped' },
  { cidr: '64:ff9b::/96', name: 'NAT64 well-known prefix' },
].map((range) => {
  const [address, prefix] = range.cidr.split('/') as [string, string];
  return { ...range, bits: parseIpv6(address)!, prefix: Number(prefix) };
});

/** Whether two blocks share an address: one contains the other, so their common prefix bits agree. */
function overlaps(a: number[], aPrefix: number, b: number[], bPrefix: number): boolean {
  const common = Math.min(aPrefix, bPrefix);
  return a.slice(0, common).every((bit, i) => bit === b[i]);
}

function example(cidr: string): string {
  return `Expected a CIDR block such as ${cidr.includes(':') ? '2001:db8:1234::/48' : '203.0.113.0/24'}.`;
}

function parseIpv4(address: string): number[] | undefined {
  const parts = address.split('.');
  if (parts.length !== 4) return undefined;
  const bits: number[] = [];
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255 || (part.length > 1 && part.startsWith('0')))
      return undefined;
    const octet = Number(part);
    for (let i = 7; i >= 0; i--) bits.push((octet >> i) & 1);
  }
  return bits;
}

function parseIpv6(address: string): number[] | undefined {
  // A trailing dotted IPv4 address (`::ffff:203.0.113.7`) stands for the last two groups.
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (dotted) {
    const v4 = parseIpv4(dotted[2]!);
    if (!v4) return undefined;
    const group = (from: number) => parseInt(v4.slice(from, from + 16).join(''), 2).toString(16);
    return parseIpv6(`${dotted[1]}${group(0)}:${group(16)}`);
  }
  const halves = address.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? head.length !== 8 : missing < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  const bits: number[] = [];
  for (const group of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined;
    const value = parseInt(group, 16);
    for (let i = 15; i >= 0; i--) bits.push((value >> i) & 1);
  }
  return bits;
}

function hostBitsSet(bits: number[], prefix: number): boolean {
  return bits.slice(prefix).some((b) => b === 1);
}

function networkAddressV4(bits: number[], prefix: number): string {
  const masked = bits.map((b, i) => (i < prefix ? b : 0));
  const octets: number[] = [];
  for (let i = 0; i < 32; i += 8) octets.push(parseInt(masked.slice(i, i + 8).join(''), 2));
  return octets.join('.');
}
