import { type App, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** The rule packs every synth runs; a finding stops `cdk synth` unless acknowledged with a reason. */
export const nagPacks = (app: App) => [new AwsSolutionsChecks(app), new ServerlessChecks(app)];

export function addNagChecks(app: App): void {
  Validations.of(app).addPlugins(...nagPacks(app));
}

/**
 * cdk-nag names an IAM5 finding by the wildcard resource as it appears in the template, e.g.
 * `Resource::<LandingBucket1234.Arn>/casino_a/*`; this builds that text for a construct's ARN.
 */
export const arnFinding = (resource: IConstruct, suffix: string): string =>
  `AwsSolutions-IAM5[Resource::<${Stack.of(resource).getLogicalId(resource.node.defaultChild as never)}.Arn>${suffix}]`;
