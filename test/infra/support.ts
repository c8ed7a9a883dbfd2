import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { NagPack } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { loadStageConfig, type StageConfig } from '../../infra/config.js';
import { APP_CONTEXT, addDeployment } from '../../infra/deployment.js';
import { readMappingsSync } from '../../infra/mappings.js';
import type { PipelineStack } from '../../infra/stacks/pipeline-stack.js';
import type { SourceMapping } from '../../lambdas/shared/mappings/model.js';

export interface SynthedStage {
  stage: string;
  config: StageConfig;
  stack: PipelineStack;
  template: Template;
}

export interface SynthedApp {
  app: App;
  outdir: string;
  stages: SynthedStage[];
  mappings: SourceMapping[];
  cleanup: () => void;
}

/**
 * Builds the app the way infra/app.ts does, for the shipped config/<stage>.json files and
 * mappings/, into a temp cloud assembly. `bundle: false` skips esbuild for tests that only read
 * the templates.
 */
export function synthStages(stages: string[], options: { bundle: boolean }): SynthedApp {
  const outdir = mkdtempSync(join(tmpdir(), 'dms2bq-cdk-'));
  const app = new App({
    outdir,
    // CI's synth runs CDK's CloudFormation schema check; here it would add ~14 s of CPU per app.
    builtinCloudFormationValidation: false,
    context: { ...APP_CONTEXT, ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }) },
  });
  const mappings = readMappingsSync('mappings');
  const built = stages.map((stage) => {
    const config = loadStageConfig(stage);
    return { stage, config, stack: addDeployment(app, { stage, config, mappings }) };
  });
  return {
    app,
    outdir,
    mappings,
    stages: built.map((entry) => ({ ...entry, template: Template.fromStack(entry.stack) })),
    cleanup: () => rmSync(outdir, { recursive: true, force: true }),
  };
}

type Resources = Record<
  string,
  { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> }
>;

export const resourcesOfType = (template: Template, type: string): Resources =>
  template.findResources(type) as Resources;

/** The single resource of a type whose logical ID starts with `prefix`. */
export function resource(template: Template, type: string, prefix: string) {
  const matches = Object.entries(resourcesOfType(template, type)).filter(([id]) => id.startsWith(prefix));
  if (matches.length !== 1)
    throw new Error(`expected one ${type} starting ${prefix}, found ${matches.length}`);
  const [logicalId, value] = matches[0] as [string, Resources[string]];
  return { logicalId, properties: value.Properties ?? {}, metadata: value.Metadata ?? {} };
}

/** The bundled handler of a function, read from the cloud assembly. */
export function bundledCode(synthed: SynthedApp, template: Template, functionPrefix: string): string {
  const { properties } = resource(template, 'AWS::Lambda::Function', functionPrefix);
  const hash = String((properties.Code as { S3Key: string }).S3Key).replace(/\.zip$/, '');
  return readFileSync(join(synthed.outdir, `asset.${hash}`, 'index.mjs'), 'utf8');
}

/** Every IAM statement of every inline policy in the template. */
export function iamStatements(template: Template): { policy: string; Action: unknown; Resource: unknown }[] {
  type Document = { Statement?: { Action: unknown; Resource: unknown }[] };
  return Object.entries(resourcesOfType(template, 'AWS::IAM::Policy')).flatMap(([policy, value]) => {
    const document = (value.Properties?.PolicyDocument ?? {}) as Document;
    return (document.Statement ?? []).map((statement) => ({ policy, ...statement }));
  });
}

/** The template with asset hashes replaced, so a snapshot changes only when the infrastructure does. */
export const normalisedTemplate = (template: Template): string =>
  JSON.stringify(template.toJSON(), null, 2).replace(/[0-9a-f]{64}/g, '<asset-hash>');

/**
 * A JSON-text property that CDK wrote as `Fn::Join` (JSON with tokens in it), parsed with each token
 * shown as `<Ref:Id>` or `<Id.Attribute>`.
 */
export function joinedJson(value: unknown): Record<string, unknown> {
  if (typeof value === 'string') return JSON.parse(value);
  const [, parts] = (value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  const text = parts
    .map((part) => {
      if (typeof part === 'string') return part;
      const token = part as { Ref?: string; 'Fn::GetAtt'?: string[] };
      return token.Ref ? `<Ref:${token.Ref}>` : `<${(token['Fn::GetAtt'] ?? []).join('.')}>`;
    })
    .join('');
  return JSON.parse(text);
}

/** `<construct path> <rule id>` of every cdk-nag acknowledgement recorded on `construct` itself. */
export const acknowledgementsOn = (construct: IConstruct): string[] =>
  construct.node.metadata
    .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY && entry.data)
    .flatMap((entry) => Object.keys(entry.data as object))
    .map((id) => `${construct.node.path} ${id.replace(/^annotation::/i, '')}`);

/**
 * The acknowledgements that answered a finding while `validate` ran: cdk-nag asks `isAcknowledged`
 * only for a finding, so recording its calls tells which acknowledgements are still needed.
 */
export function consultedAcknowledgements(validate: () => void): Set<string> {
  const consulted = new Set<string>();
  const pack = NagPack.prototype as unknown as {
    isAcknowledged: (resource: IConstruct, ruleId: string) => boolean;
  };
  const original = pack.isAcknowledged;
  pack.isAcknowledged = function (resource, ruleId) {
    for (let scope: IConstruct | undefined = resource; scope; scope = scope.node.scope) {
      for (const acknowledgement of acknowledgementsOn(scope))
        if (acknowledgement.endsWith(` ${ruleId}`)) consulted.add(acknowledgement);
    }
    return original.call(this, resource, ruleId);
  };
  try {
    validate();
  } finally {
    pack.isAcknowledged = original;
  }
  return consulted;
}
