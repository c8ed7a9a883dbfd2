/**
 * onEvent of the DMS task custom resource (CDK Provider framework): the first step of creating,
 * updating or deleting one source's replication task. infra/constructs/dms-task-provider.ts builds it;
 * its role may call the DMS task APIs. ADR 0014 describes the lifecycle.
 */
import { DatabaseMigrationServiceClient } from '@aws-sdk/client-database-migration-service';
import { onEvent, type TaskEvent } from './lifecycle.js';

const dms = new DatabaseMigrationServiceClient({});

export const handler = (event: TaskEvent) =>
  onEvent(event, { dms, now: Date.now, log: (message) => console.log(message) });
