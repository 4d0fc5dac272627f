import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { expect } from 'vitest';
import { buildApp, type PlatformStacks } from '../../lib/app';
import { addValidationPlugins } from '../../lib/validation';

/** The repository's cdk.json context (settings and feature flags), as `cdk synth` reads it. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(
    fs.readFileSync(path.join(import.meta.dirname, '..', '..', 'cdk.json'), 'utf8'),
  ) as {
    context: Record<string, unknown>;
  };
  return cdkJson.context;
}

/** Settings every test app needs: the one required setting. */
export const REQUIRED_CONTEXT = { alertEmails: 'ops@example.com' };

export interface SynthOptions {
  /** Run esbuild for function assets. @default false (faster; templates are identical apart from asset hashes) */
  readonly bundle?: boolean;
  /** Run the policy checks (cdk-nag, Control Tower) as `cdk synth` does. @default true */
  readonly nag?: boolean;
  /** Cloud assembly directory. @default a new temporary directory */
  readonly outdir?: string;
}

export interface SynthResult extends PlatformStacks {
  readonly app: App;
  readonly outdir: string;
  /** Templates by stack construct ID. */
  readonly templates: Record<string, Template>;
  /** Raw template JSON by stack construct ID. */
  readonly json: Record<string, Record<string, unknown>>;
  /** Unacknowledged findings of every validation plugin (cdk-nag, Control Tower, CloudFormation Validate), any severity. */
  readonly findings: Finding[];
}

export interface Finding {
  readonly plugin: string;
  readonly rule: string;
  readonly severity: string;
  readonly description: string;
  readonly constructPaths: string[];
}

interface ValidationReport {
  pluginReports: Array<{
    pluginName: string;
    violations: Array<{
      ruleName: string;
      description: string;
      severity?: string;
      violatingConstructs: Array<{ constructPath: string }>;
    }>;
  }>;
}

/**
 * The finding a cost-trap warning (`@analytics/cost:<id>`, lib/cost-warnings.ts) makes at one construct,
 * its text containing `text`: for the settings meant to raise it, compare findings to exactly these.
 */
export function costWarning(id: string, constructPath: string, text: string): Finding {
  return {
    plugin: 'Construct Annotations',
    rule: `Annotation::@analytics/cost:${id}`,
    severity: 'warning',
    description: expect.stringContaining(text) as unknown as string,
    constructPaths: [constructPath],
  };
}

/** Reads the validation report `cdk synth` writes into the cloud assembly. */
export function readFindings(outdir: string): Finding[] {
  const file = path.join(outdir, 'validation-report.json');
  if (!fs.existsSync(file)) return [];
  const report = JSON.parse(fs.readFileSync(file, 'utf8')) as ValidationReport;
  return report.pluginReports.flatMap((plugin) =>
    plugin.violations.map((v) => ({
      plugin: plugin.pluginName,
      rule: v.ruleName,
      severity: v.severity ?? 'error',
      description: v.description,
      constructPaths: v.violatingConstructs.map((c) => c.constructPath),
    })),
  );
}

/**
 * Synthesizes the whole platform exactly as `bin/app.ts` does (cdk.json context + `context`
 * overrides, policy checks on) and returns every stack's template. A cdk-nag, Control Tower or
 * schema validation finding makes synthesis throw, as it makes `cdk synth` fail.
 */
export function synthApp(context: Record<string, unknown> = {}, options: SynthOptions = {}): SynthResult {
  const outdir = options.outdir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-test-'));
  const app = new App({
    outdir,
    context: {
      ...cdkJsonContext(),
      ...REQUIRED_CONTEXT,
      ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
      ...context,
    },
  });
  const stacks = buildApp(app);
  if (options.nag ?? true) addValidationPlugins(app);
  const assembly = app.synth();
  const templates: Record<string, Template> = {};
  const json: Record<string, Record<string, unknown>> = {};
  for (const artifact of assembly.stacks) {
    const id = artifact.hierarchicalId;
    json[id] = artifact.template as Record<string, unknown>;
    templates[id] = Template.fromJSON(artifact.template as Record<string, unknown>);
  }
  return { ...stacks, app, outdir, templates, json, findings: readFindings(outdir) };
}

/** Every resource of every stack, as [stackId, logicalId, resource]. */
export function allResources(result: SynthResult): Array<
  [
    string,
    string,
    {
      Type: string;
      Properties?: Record<string, unknown>;
      DeletionPolicy?: string;
      UpdateReplacePolicy?: string;
    },
  ]
> {
  const out: ReturnType<typeof allResources> = [];
  for (const [stackId, template] of Object.entries(result.templates)) {
    const resources = template.toJSON().Resources as Record<string, { Type: string }>;
    for (const [logicalId, resource] of Object.entries(resources ?? {}))
      out.push([stackId, logicalId, resource]);
  }
  return out;
}
