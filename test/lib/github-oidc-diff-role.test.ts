/**
 * Runs the repository's own CDK CLI (`cdk diff --method template`, as `npm run diff` does in a pull
 * request) against a local stand-in for STS and CloudFormation that answers only what the diff
 * role's policy allows, so the test shows which calls the diff makes and that the role covers them.
 * The AWS APIs are mocked: there is no local CloudFormation.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../lib/app';
import { GitHubOidcStack } from '../../lib/stacks/github-oidc-stack';
import { cdkJsonContext, REQUIRED_CONTEXT } from '../support/synth';

const ROOT = path.join(import.meta.dirname, '..', '..');
const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';

interface Statement {
  readonly actions: string[];
  readonly resources: string[];
}

/** The diff role's policy statements, with the pseudo parameters of this account and region. */
function diffRoleStatements(projectName: string): Statement[] {
  const app = new App();
  const stack = new GitHubOidcStack(app, 'GitHubOidc', { githubRepo: 'octo-org/analytics', projectName });
  const template = Template.fromStack(stack);
  const role = Object.keys(template.findResources('AWS::IAM::Role')).find((id) => id.startsWith('DiffRole'))!;
  const flat = (value: unknown): string => {
    if (typeof value === 'string') return value;
    const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
    if (join) return join[1].map(flat).join(join[0]);
    const ref = (value as { Ref?: string }).Ref;
    return { 'AWS::Partition': 'aws', 'AWS::Region': REGION, 'AWS::AccountId': ACCOUNT }[ref ?? ''] ?? '?';
  };
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === role))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: unknown; Resource: unknown }[])
    .map((s) => ({ actions: [s.Action].flat() as string[], resources: [s.Resource].flat().map(flat) }));
}

/** IAM's wildcard match: `*` any run of characters, `?` one character. */
const matches = (pattern: string, value: string) =>
  new RegExp(
    `^${pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('')}$`,
  ).test(value);

interface Call {
  readonly action: string;
  readonly resource: string;
  readonly allowed: boolean;
}

/** A stand-in for STS and CloudFormation (Query protocol) that enforces `statements`. */
function fakeAws(statements: Statement[], deployed: Record<string, unknown>) {
  const calls: Call[] = [];
  const stackArn = (name: string) => `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${name}/0a1b2c3d`;
  const allows = (action: string, resource: string) =>
    statements.some(
      (s) => s.actions.some((a) => matches(a, action)) && s.resources.some((r) => matches(r, resource)),
    );
  const xml = (action: string, result: string) =>
    `<${action}Response><${action}Result>${result}</${action}Result>` +
    `<ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></${action}Response>`;
  const error = (code: string, message: string) =>
    `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error>` +
    '<RequestId>1</RequestId></ErrorResponse>';
  const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const params = new URLSearchParams(body);
      const action = params.get('Action') ?? '?';
      const send = (status: number, text: string) => {
        res.writeHead(status, { 'content-type': 'text/xml' });
        res.end(text);
      };
      if (action === 'GetCallerIdentity') {
        // Needs no permission (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html).
        calls.push({ action: 'sts:GetCallerIdentity', resource: '*', allowed: true });
        return send(
          200,
          xml(
            action,
            `<Arn>arn:aws:sts::${ACCOUNT}:assumed-role/DiffRole/cdk-diff</Arn><UserId>AROA:cdk-diff</UserId><Account>${ACCOUNT}</Account>`,
          ),
        );
      }
      if (action === 'AssumeRole') {
        const roleArn = params.get('RoleArn') ?? '';
        const allowed = allows('sts:AssumeRole', roleArn);
        calls.push({ action: 'sts:AssumeRole', resource: roleArn, allowed });
        // Only a denial is modelled: a role the diff role may assume would fail this test anyway.
        return send(
          403,
          error('AccessDenied', `not authorized to perform: sts:AssumeRole on resource: ${roleArn}`),
        );
      }
      const name = params.get('StackName') ?? '';
      const resource = stackArn(name);
      const allowed = allows(`cloudformation:${action}`, resource);
      calls.push({ action: `cloudformation:${action}`, resource, allowed });
      if (!allowed)
        return send(403, error('AccessDenied', `not authorized to perform: cloudformation:${action}`));
      const template = deployed[name];
      if (template === undefined)
        return send(400, error('ValidationError', `Stack with id ${name} does not exist`));
      if (action === 'DescribeStacks') {
        return send(
          200,
          xml(
            action,
            `<Stacks><member><StackId>${resource}</StackId><StackName>${name}</StackName>` +
              '<CreationTime>2024-01-01T00:00:00Z</CreationTime><StackStatus>UPDATE_COMPLETE</StackStatus></member></Stacks>',
          ),
        );
      }
      if (action === 'GetTemplate') {
        return send(200, xml(action, `<TemplateBody>${escape(JSON.stringify(template))}</TemplateBody>`));
      }
      if (action === 'ListStackResources') return send(200, xml(action, '<StackResourceSummaries/>'));
      return send(400, error('InvalidAction', action));
    });
  });
  return { server, calls };
}

function run(command: string, args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env } });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('the diff role is enough for cdk diff --method template (mocked STS and CloudFormation)', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'diff-role-'));
  const statements = diffRoleStatements('analytics');
  let fake: ReturnType<typeof fakeAws>;
  let result: { code: number | null; output: string };

  beforeAll(async () => {
    // Two stacks named like the platform's: one deployed with an older template, one not deployed yet.
    const assembly = path.join(work, 'cdk.out');
    const app = new App({ outdir: assembly });
    const storage = new Stack(app, 'Storage', { stackName: 'analytics-storage' });
    new sqs.Queue(storage, 'Queue', { enforceSSL: true });
    new sqs.Queue(new Stack(app, 'Ingestion', { stackName: 'analytics-ingestion' }), 'Queue');
    app.synth();

    fake = fakeAws(statements, { 'analytics-storage': { Resources: {} } });
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    const { port } = fake.server.address() as AddressInfo;
    result = await run(
      process.execPath,
      [
        path.join(ROOT, 'node_modules', 'aws-cdk', 'bin', 'cdk'),
        'diff',
        '--app',
        assembly,
        '--method',
        'template',
        '--no-color',
        '--no-notices',
      ],
      {
        HOME: work,
        AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`,
        AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
        AWS_SESSION_TOKEN: 'diff-role-session',
        AWS_REGION: REGION,
        AWS_EC2_METADATA_DISABLED: 'true',
        CDK_DISABLE_VERSION_CHECK: 'true',
        CDK_DISABLE_CLI_TELEMETRY: 'true',
      },
    );
  }, 120_000);

  afterAll(() => {
    fake?.server.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('diffs every stack: the changes of the deployed one, the other as new', () => {
    expect(result.code, result.output).toBe(0);
    expect(result.output).toMatch(/Stack Storage \(analytics-storage\)[\s\S]*\[\+\] AWS::SQS::Queue/);
    expect(result.output).toMatch(/Stack Ingestion \(analytics-ingestion\)[\s\S]*\[\+\] AWS::SQS::Queue/);
  });

  it('reads each stack with DescribeStacks and GetTemplate, all allowed by the diff role', () => {
    const cloudFormation = fake.calls.filter((c) => c.action.startsWith('cloudformation:'));
    expect(cloudFormation.filter((c) => !c.allowed)).toEqual([]);
    expect(new Set(cloudFormation.map((c) => c.action))).toEqual(
      new Set(['cloudformation:DescribeStacks', 'cloudformation:GetTemplate']),
    );
    expect(new Set(cloudFormation.map((c) => c.resource.split('/')[1]))).toEqual(
      new Set(['analytics-storage', 'analytics-ingestion']),
    );
  });

  it('tries the bootstrap lookup role, is refused, and goes on with its own credentials', () => {
    const assume = fake.calls.filter((c) => c.action === 'sts:AssumeRole');
    expect(assume.length).toBeGreaterThan(0);
    for (const call of assume) {
      expect(call.resource).toBe(
        `arn:aws:iam::${ACCOUNT}:role/cdk-hnb659fds-lookup-role-${ACCOUNT}-${REGION}`,
      );
      expect(call.allowed).toBe(false);
    }
    expect(result.output).toMatch(/could not be used to assume .*lookup-role/);
    // Nothing else was asked for: no S3, Secrets Manager or SSM call reached the stand-in.
    expect(new Set(fake.calls.map((c) => c.action.split(':')[0]))).toEqual(
      new Set(['sts', 'cloudformation']),
    );
  });

  it("covers every platform stack: their names all start with the diff role's <projectName>- prefix", () => {
    const app = new App({
      context: { ...cdkJsonContext(), ...REQUIRED_CONTEXT, 'aws:cdk:bundling-stacks': [] },
    });
    const stacks = buildApp(app);
    const names = Object.values(stacks)
      .filter((s): s is Stack => s instanceof Stack)
      .map((s) => s.stackName);
    expect(names.length).toBeGreaterThan(5);
    for (const name of names) {
      expect(
        statements.some((s) =>
          s.resources.some((r) => matches(r, `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${name}/x`)),
        ),
        name,
      ).toBe(true);
    }
  });
});
