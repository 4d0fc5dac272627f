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
