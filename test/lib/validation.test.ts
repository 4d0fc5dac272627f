import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { describe, expect, test } from 'vitest';
import { addValidationPlugins } from '../../lib/validation';
import { readFindings } from '../support/synth';

describe('synth-time validation', () => {
  test('runs cdk-nag and the AWS Control Tower proactive controls (cfn-guard) over every template', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-validation-'));
    const app = new App({ outdir });
    // A log group without a KMS key breaks Control Tower's CT.CLOUDWATCH.PR.3 and nothing in cdk-nag.
    new logs.LogGroup(new Stack(app, 'Probe'), 'Logs', { retention: logs.RetentionDays.ONE_WEEK });
    addValidationPlugins(app);
    expect(() => app.synth()).toThrow(/CT\.CLOUDWATCH\.PR\.3/);
    const rules = readFindings(outdir).map((f) => `${f.plugin}::${f.rule}`);
    expect(rules).toContain('cdk-validator-cfnguard::cloudwatch_log_group_encrypted_check');
  });
});
