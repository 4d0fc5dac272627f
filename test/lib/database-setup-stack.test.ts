import { describe, expect, test } from 'vitest';
import { synthApp } from '../support/synth';

/**
 * The database setup stack gives the services' roles their logins after the migrations created them,
 * and the services' stacks deploy after it: they read their secrets from it.
 */
describe('Database setup stack', () => {
  const app = synthApp({}, { nag: false });
  const setup = app.templates.DatabaseSetup!;

  test('the role passwords are set after the migrations, which create the roles', () => {
    const migrations = Object.keys(setup.findResources('Custom::SchemaMigrations'));
    const passwords = Object.values(setup.findResources('Custom::DatabaseRolePasswords'));
    expect(migrations).toHaveLength(1);
    expect(passwords).toHaveLength(1);
    expect(passwords[0]!.DependsOn).toEqual(expect.arrayContaining(migrations));
  });

  test("each service's secret, and the function to run after a rotation, are outputs", () => {
    for (const output of ['DashboardSecretArn', 'LoaderSecretArn', 'RolePasswordsFunctionName']) {
      expect(Object.keys(setup.findOutputs(output)), output).toEqual([output]);
    }
  });

  test('the ingestion and dashboard stacks deploy after it', () => {
    for (const stack of [app.ingestion, app.dashboard]) {
      expect(
        stack.dependencies.map((d) => d.node.id),
        stack.node.id,
      ).toContain('DatabaseSetup');
    }
  });
});
