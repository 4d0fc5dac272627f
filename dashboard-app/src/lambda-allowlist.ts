/**
 * The networks a Function URL hosting of the dashboard admits (`dashboardAllowedCidrs`), checked
 * against the source IP of the request context. Function URLs are dual stack, so the address can be
 * IPv4 or IPv6; an IPv4-mapped IPv6 address (::ffff:a.b.c.d) is checked as the IPv4 address it is.
 * https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html
 */
import { BlockList, isIP } from 'node:net';

/** The environment variable the stack sets: comma-separated CIDRs. */
export const ALLOWED_CIDRS_ENV = 'DASHBOARD_ALLOWED_CIDRS';

export class AddressAllowlist {
  private readonly list = new BlockList();

  /** Throws naming the bad entry when a CIDR cannot be parsed: a broken allowlist must not open up. */
  constructor(cidrs: readonly string[]) {
    for (const cidr of cidrs) {
      const match = /^([^/\s]+)\/(\d{1,3})$/.exec(cidr.trim());
      const family = match ? isIP(match[1]!) : 0;
      const prefix = match ? Number(match[2]) : -1;
      if (!match || family === 0 || prefix > (family === 4 ? 32 : 128)) {
        throw new Error(
          `${ALLOWED_CIDRS_ENV} contains "${cidr}", which is not a CIDR such as 203.0.113.0/24 or 2001:db8::/48.`,
        );
      }
      this.list.addSubnet(match[1]!, prefix, family === 4 ? 'ipv4' : 'ipv6');
    }
  }

  /** Whether `address` (the request context's source IP) lies in one of the networks. */
  allows(address: string): boolean {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    const candidate = mapped ? mapped[1]! : address;
    const family = isIP(candidate);
    if (family === 0) return false;
    return this.list.check(candidate, family === 4 ? 'ipv4' : 'ipv6');
  }
}

/** The allowlist from the environment: undefined when the variable is unset or empty. */
export function readAllowedCidrs(env: NodeJS.ProcessEnv = process.env): string[] | undefined {
  const raw = env[ALLOWED_CIDRS_ENV]?.trim();
  if (!raw) return undefined;
  return raw
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);
}
