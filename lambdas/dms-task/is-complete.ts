/**
 * isComplete of the DMS task custom resource, polled by the Provider framework until the task has
 * reached the state the request asks for (ADR 0014). Each call moves the task at most one step on.
 */
import { DatabaseMigrationServiceClient } from '@aws-sdk/client-database-migration-service';
import { isComplete, type TaskEvent } from './lifecycle.js';

const dms = new DatabaseMigrationServiceClient({});

export const handler = (event: TaskEvent) =>
  isComplete(event, { dms, now: Date.now, log: (message) => console.log(message) });
