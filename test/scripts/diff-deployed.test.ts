import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareWithDeployed } from '../../scripts/diff-deployed';
import { summarize } from '../../scripts/diff-summary';
import { readStacks, readTemplate, type StackArtifact } from '../../scripts/diff-synth';

/**
 * The comparison with the deployed stacks through the real CDK toolkit library, against a mocked
 * AWS: a local endpoint answering the STS, SSM and CloudFormation calls the toolkit makes, with
 * deployed templates the test chooses. Every call is recorded, so the test also shows that the
 * review only reads, through the bootstrap lookup role.
 */
describe('compareWithDeployed (CDK toolkit, mocked STS, SSM and CloudFormation)', () => {
  let work: string;
  let server: http.Server;
  let stacks: StackArtifact[];
  const calls: { action: string; detail: string }[] = [];
  const deployed = new Map<string, string>();
  const savedEnv = { ...process.env };

  const xml = (action: string, result: string) =>
    `<${action}Response><${action}Result>${result}</${action}Result><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></${action}Response>`;
  const escapeXml = (s: string) =>
    s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

  function answer(action: string, params: URLSearchParams): { status: number; type: string; body: string } {
    const ok = (body: string) => ({ status: 200, type: 'text/xml', body });
    const stackName = params.get('StackName') ?? '';
    switch (action) {
      case 'GetCallerIdentity':
        return ok(
          xml(
            action,
            '<Arn>arn:aws:iam::123456789012:user/dev</Arn><UserId>AIDA</UserId><Account>123456789012</Account>',
          ),
        );
      case 'AssumeRole':
        return ok(
          xml(
            action,
            `<Credentials><AccessKeyId>ASIAEXAMPLE</AccessKeyId><SecretAccessKey>secret</SecretAccessKey><SessionToken>token</SessionToken>` +
              `<Expiration>${new Date(Date.now() + 3_600_000).toISOString()}</Expiration></Credentials>` +
              '<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/lookup/diff</Arn><AssumedRoleId>AROA:diff</AssumedRoleId></AssumedRoleUser>',
          ),
        );
      case 'AmazonSSM.GetParameter':
        return {
          status: 200,
          type: 'application/x-amz-json-1.1',
          body: JSON.stringify({
            Parameter: { Name: '/cdk-bootstrap/hnb659fds/version', Type: 'String', Value: '30', Version: 1 },
          }),
        };
      case 'DescribeStacks':
        if (!deployed.has(stackName)) {
          return {
            status: 400,
            type: 'text/xml',
            body: `<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack with id ${stackName} does not exist</Message></Error><RequestId>1</RequestId></ErrorResponse>`,
          };
        }
        return ok(
          xml(
            action,
            `<Stacks><member><StackName>${stackName}</StackName><StackId>arn:aws:cloudformation:us-east-1:123456789012:stack/${stackName}/1</StackId>` +
              '<StackStatus>UPDATE_COMPLETE</StackStatus><CreationTime>2026-01-01T00:00:00Z</CreationTime></member></Stacks>',
          ),
        );
      case 'GetTemplate':
        return ok(
          xml(
            action,
            `<TemplateBody>${escapeXml(deployed.get(stackName)!)}</TemplateBody><StagesAvailable><member>Original</member></StagesAvailable>`,
          ),
        );
      default:
        return {
          status: 400,
          type: 'text/xml',
          body: `<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>${action} is not allowed</Message></Error><RequestId>1</RequestId></ErrorResponse>`,
        };
    }
  }

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-diff-deployed-'));
    const synthesize = (bucketName: string) => {
      const outdir = path.join(work, bucketName);
      const app = new App({ outdir, context: { 'aws:cdk:enable-path-metadata': true } });
      const storage = new Stack(app, 'Storage', { stackName: 'demo-storage' });
      new s3.Bucket(storage, 'Lake', { bucketName });
      new sqs.Queue(new Stack(app, 'Reports', { stackName: 'demo-reports' }), 'Queue');
      app.synth();
      return outdir;
    };
    const deployedOut = synthesize('demo-lake');
    deployed.set('demo-storage', fs.readFileSync(path.join(deployedOut, 'Storage.template.json'), 'utf8'));
    const headOut = synthesize('demo-lake-2');
    stacks = readStacks(headOut);

    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        const target = String(req.headers['x-amz-target'] ?? '');
        const params = new URLSearchParams(target ? '' : body);
        const action = target || params.get('Action') || '?';
        calls.push({ action, detail: params.get('RoleArn') ?? params.get('StackName') ?? '' });
        const reply = answer(action, params);
        res.writeHead(reply.status, { 'content-type': reply.type }).end(reply.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
      // The toolkit caches account IDs by access key under CDK_HOME; a fresh one keeps runs independent.
      CDK_HOME: path.join(work, 'cdk-home'),
    });
    delete process.env['AWS_PROFILE'];
  });

  afterAll(async () => {
    process.env = savedEnv;
    await new Promise((resolve) => server?.close(resolve));
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('compares each stack with its deployed template, reading through the lookup role only', async () => {
    const comparisons = await compareWithDeployed(path.dirname(stacks[0]!.templateFile), stacks, 'template');
    expect(comparisons.map((c) => [c.id, c.stackName, c.status])).toEqual([
      ['Storage', 'demo-storage', 'changed'],
      ['Reports', 'demo-reports', 'added'],
    ]);
    // The deployed template, rebuilt from the toolkit's diff, is the one the mocked CloudFormation returned.
    const storage = comparisons[0]!;
    const deployedTemplate = JSON.parse(deployed.get('demo-storage')!) as {
      Resources: Record<string, unknown>;
    };
    expect(storage.before!.Resources).toEqual(deployedTemplate.Resources);
    expect(storage.after).toEqual(readTemplate(stacks[0]!.templateFile));

    const summary = summarize(comparisons, { comparedWith: 'the deployed stacks' });
    expect(summary.destructive).toEqual([
      expect.objectContaining({
        stack: 'demo-storage',
        kind: 'replace',
        type: 'AWS::S3::Bucket',
        path: 'Lake',
      }),
    ]);

    const actions = new Set(calls.map((c) => c.action));
    expect([...actions].sort()).toEqual([
      'AmazonSSM.GetParameter',
      'AssumeRole',
      'DescribeStacks',
      'GetCallerIdentity',
      'GetTemplate',
    ]);
    expect(calls.filter((c) => c.action === 'AssumeRole').map((c) => c.detail)).toContain(
      'arn:aws:iam::123456789012:role/cdk-hnb659fds-lookup-role-123456789012-us-east-1',
    );
  });
});
