import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { DatabaseRoleLogins } from '../../../lib/constructs/database-role-logins';
import { ROLE_SECRETS_ENV, type RoleSecret } from '../../../lambda/role-passwords/contract';
import { DATABASE_ROLES } from '../../../migrations/roles';
import { bareStack, nagFindings, SECRET_ARN, statements } from './bare-stack';

function logins() {
  const b = bareStack();
  const construct = new DatabaseRoleLogins(b.stack, 'RoleLogins', {
    cluster: b.cluster,
    masterSecret: b.secret,
    databaseName: 'analytics',
    logRetentionDays: 30,
  });
  return { ...b, construct, template: Template.fromStack(b.stack) };
}

describe('DatabaseRoleLogins', () => {
  it("generates one secret per service role, the role's name as its username", () => {
    const { template } = logins();
    template.resourceCountIs('AWS::SecretsManager::Secret', 2);
    for (const role of Object.values(DATABASE_ROLES)) {
      template.hasResourceProperties('AWS::SecretsManager::Secret', {
        GenerateSecretString: {
          SecretStringTemplate: JSON.stringify({ username: role }),
          GenerateStringKey: 'password',
          PasswordLength: 32,
          ExcludePunctuation: true,
        },
      });
    }
  });

  it('sets the passwords in a custom resource that runs again when a role or a secret changes', () => {
    const { template, construct, stack } = logins();
    const fn = Object.values(template.findResources('AWS::Lambda::Function')).find(
      (f) => f.Properties.Environment?.Variables?.[ROLE_SECRETS_ENV],
    )!;
    const variables = fn.Properties.Environment.Variables as Record<string, unknown>;
    expect(variables.DB_SECRET_ARN, 'signs in with the master secret').toBe(SECRET_ARN);
    // The role list, with each secret reference written as <logical id>.
    const join = variables[ROLE_SECRETS_ENV] as { 'Fn::Join': [string, Array<string | { Ref: string }>] };
    const text = join['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : `<${p.Ref}>`)).join('');
    const id = (secret: typeof construct.dashboardSecret) =>
      `<${stack.getLogicalId(secret.node.defaultChild as never)}>`;
    expect(JSON.parse(text) as RoleSecret[]).toEqual([
      { role: DATABASE_ROLES.dashboard, secretArn: id(construct.dashboardSecret), loginPassword: true },
      { role: DATABASE_ROLES.loader, secretArn: id(construct.loaderSecret) },
    ]);
    template.hasResourceProperties('Custom::DatabaseRolePasswords', {
      RoleSecrets: variables[ROLE_SECRETS_ENV],
    });
  });

  it('the function reads the master and both role secrets, and may only add the login password to the dashboard secret', () => {
    const { template, stack, construct } = logins();
    const all = statements(template);
    const reads = all
      .filter((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue'))
      .flatMap((s) => [s.Resource].flat())
      .map((r) => JSON.stringify(r));
    expect(reads.sort()).toEqual(
      [
        SECRET_ARN,
        stack.resolve(construct.dashboardSecret.secretArn),
        stack.resolve(construct.loaderSecret.secretArn),
      ]
        .map((r) => JSON.stringify(r))
        .sort(),
    );
    const writes = all.filter((s) => [s.Action].flat().some((a) => /^secretsmanager:(Put|Update)/.test(a)));
    expect(writes).toEqual([
      expect.objectContaining({
        Action: 'secretsmanager:PutSecretValue',
        Resource: stack.resolve(construct.dashboardSecret.secretArn),
      }),
    ]);
  });

  it('raises no unacknowledged cdk-nag finding', () => {
    const { app, outdir } = logins();
    expect(nagFindings(app, outdir)).toEqual([]);
  });
});
