/**
 * Turns off terminal colours for the CDK's diff library before it loads.
 *
 * `@aws-cdk/cloudformation-diff` colours its output with chalk, whose colour level is fixed when the
 * library is first loaded (its `[+]`/`[~]`/`[-]` markers are coloured once, at load time). The diff
 * text goes into files and the pull-request comment, where escape codes would show as garbage, so
 * every module that loads the library imports this one first.
 */
process.env.FORCE_COLOR = '0';

export {};
