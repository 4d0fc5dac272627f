import { type App, Aspects, Tags } from 'aws-cdk-lib';
import { loadConfig, type AppConfig } from './config';
import { warnOfCostTraps } from './cost-warnings';
import { PlatformControlTowerDecisions } from './control-tower';
import { AnalyticsStack } from './stacks/analytics-stack';
import { DashboardRepositoryStack, DashboardStack } from './stacks/dashboard-stack';
import { DatabaseSetupStack } from './stacks/database-setup-stack';
import { DatabaseStack } from './stacks/database-stack';
import { GuardrailsStack } from './stacks/guardrails-stack';
import { IngestionStack } from './stacks/ingestion-stack';
import { StorageStack } from './stacks/storage-stack';

export interface PlatformStacks {
  readonly config: AppConfig;
  readonly guardrails: GuardrailsStack;
  readonly storage: StorageStack;
  readonly database: DatabaseStack;
  readonly databaseSetup: DatabaseSetupStack;
  readonly analytics: AnalyticsStack;
  readonly ingestion: IngestionStack;
  readonly dashboardRepository: DashboardRepositoryStack;
  readonly dashboard: DashboardStack;
}

/**
 * Creates every stack of the platform in `app`, from the configuration in the app's context.
 * Used by `bin/app.ts` and by the tests, so both synthesize exactly the same app.
 */
export function buildApp(app: App): PlatformStacks {
  const config = loadConfig(app.node);
  const name = (stack: string) => `${config.projectName}-${stack}`;

  const guardrails = new GuardrailsStack(app, 'Guardrails', { stackName: name('guardrails'), config });
  const storage = new StorageStack(app, 'Storage', { stackName: name('storage'), config });
  const database = new DatabaseStack(app, 'Database', { stackName: name('database'), config });
  const databaseSetup = new DatabaseSetupStack(app, 'DatabaseSetup', {
    stackName: name('database-setup'),
    config,
    cluster: database.cluster,
    secret: database.secret,
    databaseName: database.databaseName,
    defaultSecurityGroupId: database.vpc.vpcDefaultSecurityGroup,
  });
  const analytics = new AnalyticsStack(app, 'Analytics', {
    stackName: name('analytics'),
    config,
    lakeBucket: storage.lakeBucket,
    logBucket: storage.logBucket,
    athenaResultsBucket: storage.athenaResultsBucket,
  });

  const ingestion = new IngestionStack(app, 'Ingestion', {
    stackName: name('ingestion'),
    config,
    lakeBucket: storage.lakeBucket,
    logBucket: storage.logBucket,
    cluster: database.cluster,
    secret: database.secret,
    databaseName: database.databaseName,
    alertsTopic: guardrails.alertsTopic,
  });

  Tags.of(app).add('Project', config.projectName);
  Aspects.of(app).add(new PlatformControlTowerDecisions(config.logRetentionDays));
  const dashboardRepository = new DashboardRepositoryStack(app, 'DashboardRepository', {
    stackName: name('dashboard-repository'),
    config,
  });
  const dashboard = new DashboardStack(app, 'Dashboard', {
    stackName: name('dashboard'),
    config,
    repositoryStack: dashboardRepository,
    cluster: database.cluster,
    secret: database.secret,
    databaseName: database.databaseName,
    workgroupName: analytics.workgroupName,
    glueDatabaseName: analytics.glueDatabaseName,
    athenaResultsBucket: storage.athenaResultsBucket,
    lakeBucket: storage.lakeBucket,
    logBucket: storage.logBucket,
    alertsTopic: guardrails.alertsTopic,
  });

  warnOfCostTraps(app);
  return {
    config,
    guardrails,
    storage,
    database,
    databaseSetup,
    analytics,
    ingestion,
    dashboardRepository,
    dashboard,
  };
}
