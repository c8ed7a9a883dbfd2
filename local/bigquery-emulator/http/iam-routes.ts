import { invalid } from '../errors.js';
import { checkProject } from './catalog-routes.js';
import type { Services } from './context.js';
import { type Router, readJson } from './router.js';

/**
 * `tables.testIamPermissions`. The emulator has no principals: the caller holds every permission
 * except those a test denies with POST /_emulator/iam `{ denied: [...] }`. As documented, a table
 * that does not exist answers with an empty set, not NOT_FOUND.
 */
export function addIamRoutes(api: Router, admin: Router, services: Services): void {
  let denied = new Set<string>();
  api.add(
    'POST',
    '/bigquery/v2/projects/{projectId}/datasets/{datasetId}/tables/{tableId}:testIamPermissions',
    async (context) => {
      checkProject(services, context);
      const body = await readJson(context.req);
      const asked = body.permissions;
      if (!Array.isArray(asked) || asked.some((permission) => typeof permission !== 'string')) {
        throw invalid('permissions must be a list of permission names');
      }
      const { datasetId = '', tableId = '' } = context.params;
      const exists = tableExists(services, datasetId, tableId);
      const held = exists ? (asked as string[]).filter((permission) => !denied.has(permission)) : [];
      return { status: 200, body: held.length > 0 ? { permissions: held } : {} };
    },
  );
  admin.add('POST', '/_emulator/iam', async (context) => {
    const body = await readJson(context.req);
    denied = new Set(Array.isArray(body.denied) ? body.denied.map(String) : []);
    return { status: 204 };
  });
}

function tableExists(services: Services, datasetId: string, tableId: string): boolean {
  try {
    services.catalog.table(datasetId, tableId);
    return true;
  } catch {
    return false;
  }
}
