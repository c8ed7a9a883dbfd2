import { afterAll, beforeAll, expect, it } from 'vitest';
import { nagPacks } from '../../infra/nag.js';
import { acknowledgementsOn, consultedAcknowledgements, type SynthedApp, synthStages } from './support.js';

let synthed: SynthedApp;
let consulted: Set<string>;

beforeAll(() => {
  synthed = synthStages(['dev', 'prod'], { bundle: false });
  consulted = consultedAcknowledgements(() => {
    for (const nag of nagPacks(synthed.app)) nag.validateScope(synthed.app);
  });
}, 60_000);

afterAll(() => synthed.cleanup());

it('acknowledges only cdk-nag findings that the stacks actually raise', () => {
  // Act
  const acknowledged = synthed.app.node.findAll().flatMap(acknowledgementsOn);

  // Assess
  expect(acknowledged.length).toBeGreaterThan(0);
  expect(acknowledged.filter((acknowledgement) => !consulted.has(acknowledgement))).toEqual([]);
});
