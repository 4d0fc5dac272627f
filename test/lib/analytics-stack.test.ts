import { describe, expect, test } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { synthApp } from '../support/synth';

describe('Analytics stack', () => {
  const analytics = synthApp({ athenaScanLimitMb: '200' }).templates.Analytics;

  test('Glue database, retained on delete', () => {
    analytics.hasResource('AWS::Glue::Database', {
      Properties: { DatabaseInput: Match.objectLike({ Name: 'analytics_lake' }) },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  test('Athena workgroup: engine v3, enforced, encrypted results in the results bucket, scan cutoff', () => {
    analytics.hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: 'analytics',
      WorkGroupConfiguration: {
        EnforceWorkGroupConfiguration: true,
        EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
        BytesScannedCutoffPerQuery: 200 * 1024 * 1024,
        ResultConfiguration: {
          EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
          OutputLocation: { 'Fn::Join': ['', ['s3://', Match.anyValue(), '/results/']] },
        },
      },
    });
  });

  test('results go to the Athena results bucket of the storage stack', () => {
    const workgroup = Object.values(analytics.findResources('AWS::Athena::WorkGroup'))[0];
    expect(
      JSON.stringify(workgroup.Properties.WorkGroupConfiguration.ResultConfiguration.OutputLocation),
    ).toMatch(/AthenaResultsBucket/);
  });

  test('the workgroup name follows projectName', () => {
    const t = synthApp({ projectName: 'team-lake' }).templates.Analytics;
    t.hasResourceProperties('AWS::Athena::WorkGroup', { Name: 'team-lake' });
    t.hasResourceProperties('AWS::Glue::Database', {
      DatabaseInput: Match.objectLike({ Name: 'team_lake_lake' }),
    });
    expect(Object.keys(t.findResources('AWS::Athena::WorkGroup'))).toEqual(['Workgroup']);
  });
});
