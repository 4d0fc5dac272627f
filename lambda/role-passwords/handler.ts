import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { databaseFromEnv } from '../../db/data-api';
import type { Database } from '../../db/database';
import { DEPLOY_RETRY } from '../../db/retry';
import { ROLE_PASSWORDS_RESOURCE_ID, ROLE_SECRETS_ENV } from './contract';
import { parseRoleSecrets, setRolePasswords, type SecretStore } from './role-passwords';

/**
 * The role-passwords custom resource (CDK Provider framework `onEvent`), run after the schema
 * migrations on every deploy that changes the roles or their secrets. Signs in with the master secret
 * (`DB_SECRET_ARN`) and sets each role's password from its secret (`ROLE_SECRETS`). Create and Update
 * set them; Delete leaves the roles as they are (the database outlives the stack). Invoked directly
 * with any event other than Delete, it does the same: that is how a secret rotated by hand reaches
 * its role (docs/security.md).
 */

let db: Database | undefined;
const secrets = new SecretsManagerClient({});

const store: SecretStore = {
  async read(secretArn) {
    const value = await secrets.send(new GetSecretValueCommand({ SecretId: secretArn }));
    if (value.SecretString === undefined) throw new Error(`Secret ${secretArn} holds no SecretString.`);
    return value.SecretString;
  },
  async write(secretArn, value) {
    await secrets.send(new PutSecretValueCommand({ SecretId: secretArn, SecretString: value }));
  },
};

export interface RolePasswordsEvent {
  readonly RequestType?: string;
  readonly PhysicalResourceId?: string;
}

export async function handler(event: RolePasswordsEvent = {}) {
  if (event.RequestType === 'Delete') {
    return { PhysicalResourceId: event.PhysicalResourceId ?? ROLE_PASSWORDS_RESOURCE_ID };
  }
  const roles = parseRoleSecrets(process.env[ROLE_SECRETS_ENV]);
  db ??= databaseFromEnv(process.env, DEPLOY_RETRY);
  const set = await setRolePasswords(db, store, roles, (line) => console.log(line));
  return { PhysicalResourceId: ROLE_PASSWORDS_RESOURCE_ID, Data: { Roles: set.join(',') } };
}
