import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeFlags, FLAGS, flagUsage, parseStartOptions } from '../../local/args';

describe('parseStartOptions', () => {
  it('gives every default, ports included', () => {
    expect(parseStartOptions([], {})).toMatchObject({
      dataDir: path.resolve('.local-data'),
      reset: false,
      databaseOnly: false,
      host: '127.0.0.1',
      postgresPort: 5433,
      dataApiPort: 4510,
      ingestPort: 4010,
      s3Port: 0,
      queuePort: 0,
      dashboardPort: 8080,
      athenaPort: 4520,
      generator: true,
      generatorIntervalSeconds: 30,
      dashboardPassword: undefined,
      help: false,
    });
  });

  it('reads `--flag value`, `--flag=value` and environment variables; the flag wins', () => {
    const options = parseStartOptions(
      ['--dashboard-port', '8081', '--athena-port=0', '--data-dir', '/tmp/x', '--reset', '--no-generator'],
      {
        DASHBOARD_PORT: '9000',
        LOCAL_INGEST_PORT: '4011',
        LOCAL_ATHENA_PORT: '4600',
        DASHBOARD_PASSWORD: 'pw-from-env-123',
      },
    );
    expect(options).toMatchObject({
      dashboardPort: 8081,
      athenaPort: 0,
      ingestPort: 4011,
      dataDir: '/tmp/x',
      reset: true,
      generator: false,
      dashboardPassword: 'pw-from-env-123',
    });
    expect(parseStartOptions([], { DASHBOARD_PORT: '9000', LOCAL_GENERATOR: 'off' })).toMatchObject({
      dashboardPort: 9000,
      generator: false,
    });
  });

  it('treats every port alike: 0 is a free port, anything outside 0..65535 names the flag', () => {
    for (const flag of FLAGS.filter((f) => f.kind === 'port')) {
      expect(parseStartOptions([flag.flag, '0'], {})[flag.key]).toBe(0);
      expect(() => parseStartOptions([flag.flag, '70000'], {})).toThrow(
        `${flag.flag} (or ${flag.env}) "70000" is not a port: use a whole number from 0 to 65535 (0 picks a free port).`,
      );
    }
    expect(() => parseStartOptions([], { DASHBOARD_PORT: 'x' })).toThrow(
      /--dashboard-port \(or DASHBOARD_PORT\) "x"/,
    );
  });

  it('refuses unknown flags, positional arguments, missing values and values on switches', () => {
    expect(() => parseStartOptions(['--no-genrator'], {})).toThrow(
      /unknown flag --no-genrator \(did you mean --no-generator\?\)\. npm start knows these flags:\n.*--reset/,
    );
    expect(() => parseStartOptions(['--frobnicate=1'], {})).toThrow(
      /unknown flag --frobnicate\. npm start knows/,
    );
    expect(() => parseStartOptions(['reset'], {})).toThrow(/npm start takes flags only, got "reset"/);
    expect(() => parseStartOptions(['--ingest-port'], {})).toThrow(
      '--ingest-port needs a value, e.g. --ingest-port <port>.',
    );
    expect(() => parseStartOptions(['--ingest-port', '--reset'], {})).toThrow(/--ingest-port needs a value/);
    expect(() => parseStartOptions(['--reset=yes'], {})).toThrow(
      '--reset takes no value, got "--reset=yes".',
    );
    expect(() => parseStartOptions(['--generator-interval', '0'], {})).toThrow(
      /--generator-interval "0" must be a number of seconds, at least 1/,
    );
  });

  it('lists every flag in --help', () => {
    const help = describeFlags().join('\n');
    for (const flag of FLAGS) expect(help).toContain(flagUsage(flag));
  });
});

describe('the README', () => {
  it('lists every flag of npm start in the Local platform table', () => {
    const readme = fs.readFileSync(path.resolve(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
    const section = readme.slice(
      readme.indexOf('## Local platform'),
      readme.indexOf('\n## ', readme.indexOf('## Local platform') + 1),
    );
    for (const flag of FLAGS) expect(section, flag.flag).toContain(`\`${flagUsage(flag)}\``);
  });
});
