import { describe, expect, test } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { diffTemplate, ResourceImpact } from '@aws-cdk/cloudformation-diff';
import { synthApp } from '../support/synth';

describe('Database stack, default settings', () => {
  const { templates, findings } = synthApp();
  const db = templates.Database;

  test('VPC with isolated subnets only: no NAT, no internet gateway, no public subnet', () => {
    db.resourceCountIs('AWS::EC2::NatGateway', 0);
    db.resourceCountIs('AWS::EC2::InternetGateway', 0);
    db.resourceCountIs('AWS::EC2::Subnet', 2);
    for (const subnet of Object.values(db.findResources('AWS::EC2::Subnet'))) {
      expect(subnet.Properties.MapPublicIpOnLaunch).toBe(false);
    }
  });

  test('the security group admits nothing', () => {
    db.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    const groups = Object.values(db.findResources('AWS::EC2::SecurityGroup'));
    expect(groups).toHaveLength(1);
    expect(groups[0].Properties.SecurityGroupIngress).toBeUndefined();
  });

  test('Aurora PostgreSQL Serverless v2: 0 ACU minimum, auto-pause, capped maximum, Data API on', () => {
    db.hasResourceProperties('AWS::RDS::DBCluster', {
      Engine: 'aurora-postgresql',
      EngineVersion: '16.11',
      ServerlessV2ScalingConfiguration: { MinCapacity: 0, MaxCapacity: 2, SecondsUntilAutoPause: 600 },
      EnableHttpEndpoint: true,
      StorageEncrypted: true,
      DeletionProtection: true,
      BackupRetentionPeriod: 7,
      DatabaseName: 'analytics',
      EnableIAMDatabaseAuthentication: true,
    });
    db.hasResource('AWS::RDS::DBCluster', { DeletionPolicy: 'Snapshot', UpdateReplacePolicy: 'Snapshot' });
  });

  test('one serverless writer, not publicly accessible, without enhanced monitoring', () => {
    db.resourceCountIs('AWS::RDS::DBInstance', 1);
    db.hasResourceProperties('AWS::RDS::DBInstance', {
      DBInstanceClass: 'db.serverless',
      PubliclyAccessible: false,
      MonitoringInterval: Match.absent(),
    });
  });

  test('credentials are generated into Secrets Manager for a non-default admin user (Control Tower CT.RDS.PR.21)', () => {
    db.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ SecretStringTemplate: '{"username":"analytics_admin"}' }),
    });
    const cluster = Object.values(db.findResources('AWS::RDS::DBCluster'))[0]!;
    const username = cluster.Properties.MasterUsername as unknown;
    expect(username).toBe('analytics_admin');
    expect(['postgres', 'admin', 'root', 'master', 'administrator', 'rdsadmin']).not.toContain(username);
  });

  test('connections must use TLS: a cluster parameter group for Aurora PostgreSQL 16 with rds.force_ssl on', () => {
    db.hasResourceProperties('AWS::RDS::DBClusterParameterGroup', {
      Family: 'aurora-postgresql16',
      Parameters: { 'rds.force_ssl': '1' },
    });
    const groups = Object.keys(db.findResources('AWS::RDS::DBClusterParameterGroup'));
    db.hasResourceProperties('AWS::RDS::DBCluster', { DBClusterParameterGroupName: { Ref: groups[0] } });
  });

  test('attaching the cluster parameter group updates the cluster in place (no replacement)', () => {
    const after = templates.Database.toJSON();
    const before = JSON.parse(JSON.stringify(after)) as typeof after;
    for (const resource of Object.values(
      before.Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>,
    )) {
      if (resource.Type === 'AWS::RDS::DBCluster') delete resource.Properties.DBClusterParameterGroupName;
    }
    const diff = diffTemplate(before, after);
    const impacts = Object.values(diff.resources.changes)
      .filter((change) => change.resourceType === 'AWS::RDS::DBCluster')
      .map((change) => change.changeImpact);
    expect(impacts).toEqual([ResourceImpact.WILL_UPDATE]);
  });

  test('the Postgres log group has the configured retention', () => {
    db.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/aws/rds/cluster/analytics-db/postgresql',
      RetentionInDays: 30,
    });
  });

  test('no validation findings', () => {
    expect(findings).toEqual([]);
  });
});

describe('Database stack with allowedCidrs', () => {
  const { templates, findings } = synthApp({ allowedCidrs: '203.0.113.0/24,2001:db8:1234::/48' });
  const db = templates.Database;

  test('port 5432 opens to exactly the named networks', () => {
    const groups = Object.values(db.findResources('AWS::EC2::SecurityGroup'));
    expect(groups).toHaveLength(1);
    expect(groups[0].Properties.SecurityGroupIngress).toEqual([
      expect.objectContaining({ CidrIp: '203.0.113.0/24', FromPort: 5432, ToPort: 5432, IpProtocol: 'tcp' }),
      expect.objectContaining({
        CidrIpv6: '2001:db8:1234::/48',
        FromPort: 5432,
        ToPort: 5432,
        IpProtocol: 'tcp',
      }),
    ]);
  });

  test('the writer becomes reachable: internet gateway routes, publicly accessible, still no NAT', () => {
    db.resourceCountIs('AWS::EC2::InternetGateway', 1);
    db.resourceCountIs('AWS::EC2::NatGateway', 0);
    db.resourceCountIs('AWS::EC2::Route', 2);
    db.hasResourceProperties('AWS::RDS::DBInstance', { PubliclyAccessible: true });
  });

  test('the public endpoint is acknowledged with a reason; only its cost warning is found', () => {
    // The public address costs money even while the database is paused: the synth says how much.
    expect(findings.map((f) => [f.rule, f.severity])).toEqual([
      ['Annotation::@analytics/cost:public-database-address', 'warning'],
    ]);
  });

  test('the security group keeps its logical ID and description, so toggling allowedCidrs never replaces it', () => {
    const without = synthApp().templates.Database;
    const groups = (t: typeof db) =>
      Object.entries(t.findResources('AWS::EC2::SecurityGroup')).map(([id, r]) => [
        id,
        r.Properties.GroupDescription as string,
      ]);
    expect(groups(db)).toEqual(groups(without));
  });

  test('the subnets keep their logical IDs, so toggling allowedCidrs never replaces the cluster', () => {
    const without = synthApp().templates.Database;
    const ids = (t: typeof db, type: string) => Object.keys(t.findResources(type)).sort();
    for (const type of [
      'AWS::EC2::Subnet',
      'AWS::RDS::DBSubnetGroup',
      'AWS::RDS::DBCluster',
      'AWS::EC2::SecurityGroup',
    ]) {
      expect(ids(db, type)).toEqual(ids(without, type));
    }
  });
});

describe('Database stack fails synth', () => {
  test.each(['0.0.0.0/0', '::/0', '10.0.0.0/8'])('when allowedCidrs is %s', (cidr) => {
    expect(() => synthApp({ allowedCidrs: cidr })).toThrow(/allowedCidrs contains/);
  });
});
