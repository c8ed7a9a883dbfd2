import { Validations } from 'aws-cdk-lib';
import { NagPack } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { nagPacks } from '../../infra/nag.js';
import { type SynthedApp, synthStages } from './support.js';

const KEY = Validations.ACKNOWLEDGED_RULES_METADATA_KEY;

/** `<construct path> <rule id>` of every acknowledgement recorded on `construct` itself. */
const acknowledgementsOn = (construct: IConstruct): string[] =>
  construct.node.metadata
    .filter((entry) => entry.type === KEY && entry.data)
    .flatMap((entry) => Object.keys(entry.data as object))
    .map((id) => `${construct.node.path} ${id.replace(/^annotation::/i, '')}`);

let synthed: SynthedApp;
const consulted = new Set<string>();

beforeAll(() => {
  // cdk-nag asks `isAcknowledged` only for a finding; record which acknowledgement answered it.
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
  synthed = synthStages(['dev', 'prod'], { bundle: false });
  for (const nag of nagPacks(synthed.app)) nag.validateScope(synthed.app);
  pack.isAcknowledged = original;
}, 60_000);

afterAll(() => synthed.cleanup());

it('acknowledges only cdk-nag findings that the stacks actually raise', () => {
  // Act
  const acknowledged = synthed.app.node.findAll().flatMap(acknowledgementsOn);

  // Assess
  expect(acknowledged.length).toBeGreaterThan(0);
  expect(acknowledged.filter((acknowledgement) => !consulted.has(acknowledgement))).toEqual([]);
});
