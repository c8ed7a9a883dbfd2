import { afterEach, describe, expect, it } from 'vitest';
import { readMappingsSync } from '../../infra/mappings.js';
import { MappingLoadError } from '../../lambdas/shared/mappings/load.js';
import { MappingValidationError } from '../../lambdas/shared/mappings/validate.js';
import { mappingDir, sourceMappingFactory } from '../support/mappings.js';

let cleanup: (() => Promise<void>) | undefined;

afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe('readMappingsSync (the CDK app reads mappings/ synchronously)', () => {
  it('returns the valid mappings, schema.json excluded', async () => {
    // Prepare
    const fixture = await mappingDir({
      'shop.json': sourceMappingFactory(),
      'schema.json': { type: 'object' },
    });
    cleanup = fixture.cleanup;

    // Act
    const mappings = readMappingsSync(fixture.dir);

    // Assess
    expect(mappings.map((mapping) => mapping.source)).toEqual(['shop']);
  });

  it('names the file that is not JSON', async () => {
    // Prepare
    const fixture = await mappingDir({ 'shop.json': '{ not json' });
    cleanup = fixture.cleanup;

    // Act
    const read = () => readMappingsSync(fixture.dir);

    // Assess
    expect(read).toThrow(MappingLoadError);
    expect(read).toThrow(/shop\.json: not valid JSON/);
  });

  it('refuses a mapping the validator rejects', async () => {
    // Prepare
    const fixture = await mappingDir({ 'shop.json': sourceMappingFactory({ tables: [] }) });
    cleanup = fixture.cleanup;

    // Act
    const read = () => readMappingsSync(fixture.dir);

    // Assess
    expect(read).toThrow(MappingValidationError);
  });
});
