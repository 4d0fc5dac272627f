import { describe, expect, test } from 'vitest';
import { checkCidr } from '../../lib/cidr';
import { ConfigError, parseConfig } from '../../lib/config';

const failure = (context: Record<string, unknown>): string => {
  try {
    parseConfig((key) => ({ alertEmails: 'ops@example.com', ...context })[key]);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(context)} to be rejected`);
};

/**
 * IPv6 blocks whose addresses stand for IPv4 hosts: a rule for them opens IPv4 space under an IPv6
 * name, past the IPv4 checks (0.0.0.0/0, prefixes shorter than /16).
 */
describe('IPv6 prefixes that embed IPv4 addresses are refused', () => {
  test.each([
    // IPv4-mapped (RFC 4291 section 2.5.5.2), the whole range and blocks inside it.
    ['::ffff:0:0/96', /IPv4-mapped/],
    ['::ffff:0.0.0.0/96', /IPv4-mapped/],
    ['::ffff:cb00:7100/120', /IPv4-mapped/],
    ['::ffff:203.0.113.0/120', /IPv4-mapped/],
    ['0:0:0:0:0:ffff:a00:0/104', /IPv4-mapped/],
    ['::ffff:203.0.113.7/128', /IPv4-mapped/],
    // NAT64 well-known prefix (RFC 6052), the whole range and blocks inside it.
    ['64:ff9b::/96', /NAT64/],
    ['64:ff9b::a00:0/104', /NAT64/],
    ['64:ff9b::203.0.113.0/120', /NAT64/],
    ['64:ff9b::cb00:7107/128', /NAT64/],
    // Blocks that contain either range are as broad as their widest part.
    ['::/64', /IPv4-mapped/],
    ['64:ff9b::/64', /NAT64/],
  ])('%s', (cidr, kind) => {
    const problem = checkCidr(cidr);
    expect(problem).toMatch(kind);
    expect(problem).toMatch(/IPv4/);
    expect(problem).toMatch(/203\.0\.113\.0\/24/);
  });

  test.each(['allowedCidrs', 'dashboardAllowedCidrs'])(
    '%s refuses them with the reason, naming the key and the value',
    (key) => {
      const message = failure({ [key]: '203.0.113.0/24,::ffff:0:0/96' });
      expect(message).toContain(`${key} contains "::ffff:0:0/96"`);
      expect(message).toMatch(/stand for IPv4 addresses/);
      expect(failure({ [key]: ['64:ff9b::/96'] })).toContain(`${key} contains "64:ff9b::/96"`);
    },
  );

  test.each([
    '2001:db8:1234::/48',
    '2001:db8::1/128',
    // Neighbours of the two ranges are ordinary IPv6 networks.
    '::fffe:0:0/96',
    '64:ff9a::/96',
    '64:ff9b:1::/48',
  ])('%s is still accepted', (cidr) => {
    expect(checkCidr(cidr)).toBeUndefined();
  });

  test('an embedded IPv4 address that is not valid is named as such', () => {
    expect(checkCidr('::ffff:300.0.0.0/120')).toMatch(/not an IPv6 address/);
  });
});
