/**
 * Template pairs for the review tests: the same small CDK app synthesized twice, before and after a
 * change, compared with the CDK's diff library exactly as `npm run diff -- --base` compares them.
 */
import { App, Stack } from 'aws-cdk-lib';
import { compareStack, type StackComparison, type Template } from '../../scripts/diff-compare';

export type Build = (app: App) => void;

/** The templates of an app, by CloudFormation stack name. */
export function synthTemplates(build: Build, context: Record<string, unknown> = {}): Map<string, Template> {
  // The CDK CLI records construct paths in the templates; an app synthesized in-process does so on request.
  const app = new App({ context: { 'aws:cdk:enable-path-metadata': true, ...context } });
  build(app);
  const assembly = app.synth();
  return new Map(assembly.stacks.map((s) => [s.stackName, s.template as Template]));
}

/** Every stack of the app before and after, compared. */
export function comparePair(
  before: Build,
  after: Build,
  context: Record<string, unknown> = {},
): StackComparison[] {
  const old = synthTemplates(before, context);
  const next = synthTemplates(after, context);
  const names = [...new Set([...next.keys(), ...old.keys()])];
  return names.map((name) =>
    compareStack({ id: name, stackName: name, before: old.get(name), after: next.get(name) }),
  );
}

/** One stack named `Demo`, built before and after by `body`; `changed` tells the two apart. */
export function compareStackPair(body: (stack: Stack, changed: boolean) => void): StackComparison {
  const build = (changed: boolean) => (app: App) => body(new Stack(app, 'Demo'), changed);
  const [stack] = comparePair(build(false), build(true));
  return stack!;
}
