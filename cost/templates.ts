import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Reading the synthesized app: the CloudFormation templates that `cdk synth` writes into a cloud
 * assembly folder (`cdk.out`), or templates handed over directly. The model reads only these
 * (never the TypeScript), so it prices exactly what would be deployed.
 */

/** A resource as a CloudFormation template states it. */
export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

/** One stack's template, with the names it is known by. */
export interface StackTemplate {
  /** Construct ID of the stack (e.g. `Database`), or the template's file name without extension. */
  readonly id: string;
  /** The deployed stack name (e.g. `analytics-database`), when the assembly says it. */
  readonly stackName: string;
  /** `aws://account/region` of the stack, when the assembly says it. */
  readonly environment?: string;
  readonly resources: Readonly<Record<string, TemplateResource>>;
}

/** Templates by stack ID, as `JSON.parse` of each `<Stack>.template.json` gives them. */
export type TemplateMap = Readonly<Record<string, { Resources?: Record<string, TemplateResource> }>>;

interface Manifest {
  artifacts?: Record<
    string,
    {
      type?: string;
      environment?: string;
      displayName?: string;
      properties?: { templateFile?: string; stackName?: string };
    }
  >;
}

/** Every stack template of the cloud assembly in `dir` (the folder `cdk synth -o` writes). */
export function readAssembly(dir: string): StackTemplate[] {
  const manifestFile = join(dir, 'manifest.json');
  if (!existsSync(manifestFile)) {
    throw new Error(
      `${dir} is not a cloud assembly: it has no manifest.json. Pass the folder cdk synth wrote (cdk.out), ` +
        'or leave the folder out to synthesize first.',
    );
  }
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest;
  const stacks: StackTemplate[] = [];
  for (const [id, artifact] of Object.entries(manifest.artifacts ?? {})) {
    if (artifact.type !== 'aws:cloudformation:stack' || !artifact.properties?.templateFile) continue;
    const template = JSON.parse(readFileSync(join(dir, artifact.properties.templateFile), 'utf8')) as {
      Resources?: Record<string, TemplateResource>;
    };
    stacks.push({
      id: artifact.displayName ?? id,
      stackName: artifact.properties.stackName ?? id,
      environment: artifact.environment,
      resources: template.Resources ?? {},
    });
  }
  if (stacks.length === 0) throw new Error(`The cloud assembly in ${dir} holds no CloudFormation stack.`);
  return stacks.sort((a, b) => a.id.localeCompare(b.id));
}

/** Stack templates from parsed template JSON, keyed by stack ID. */
export function fromTemplates(templates: TemplateMap): StackTemplate[] {
  return Object.entries(templates)
    .map(([id, t]) => ({ id, stackName: id, resources: t.Resources ?? {} }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** The Region of a stack's environment (`aws://123/us-east-1`), or undefined when environment-agnostic. */
export function regionOf(stack: StackTemplate): string | undefined {
  const region = stack.environment?.split('/').pop();
  return region && !region.startsWith('unknown') ? region : undefined;
}

/** A resource located in the app: its stack, logical ID and template body. */
export interface Located {
  readonly stack: StackTemplate;
  readonly logicalId: string;
  readonly resource: TemplateResource;
}

/** Every resource of every stack, in a stable order. */
export function allResources(stacks: readonly StackTemplate[]): Located[] {
  return stacks.flatMap((stack) =>
    Object.keys(stack.resources)
      .sort()
      .map((logicalId) => ({ stack, logicalId, resource: stack.resources[logicalId]! })),
  );
}

/** Resources of one type. */
export function ofType(stacks: readonly StackTemplate[], type: string): Located[] {
  return allResources(stacks).filter((r) => r.resource.Type === type);
}

/** The logical ID a `{Ref: X}` or `{Fn::GetAtt: [X, attr]}` points at, or undefined for anything else. */
export function referencedId(value: unknown): string | undefined {
  if (value && typeof value === 'object') {
    const v = value as { Ref?: unknown; 'Fn::GetAtt'?: unknown };
    if (typeof v.Ref === 'string') return v.Ref;
    const getAtt = v['Fn::GetAtt'];
    if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
    if (typeof getAtt === 'string') return getAtt.split('.')[0];
  }
  return undefined;
}

/** The resource a property refers to in the same stack, or undefined. */
export function follow(located: Located, value: unknown): Located | undefined {
  const id = referencedId(value);
  const resource = id ? located.stack.resources[id] : undefined;
  return resource && id ? { stack: located.stack, logicalId: id, resource } : undefined;
}

/** A property as a number when the template states a literal number (or a numeric string). */
export function numberProp(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
    return Number(value);
  return undefined;
}

/** A logical ID made by the CDK from a construct path: the path's PascalCase IDs followed by an 8-hex hash. */
export function isConstruct(logicalId: string, path: string): boolean {
  return new RegExp(`^${path}[0-9A-F]{8}$`).test(logicalId);
}
