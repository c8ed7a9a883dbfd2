import type { RegisterCommand } from '../program.js';
import { registerBigQueryEmulatorCommand } from './local/bigquery-emulator.js';
import { registerLocalCommand } from './local/local.js';
import { registerSimulateCommand } from './local/simulate.js';
import { registerPlanCommand } from './mappings/plan.js';
import { registerValidateCommand } from './mappings/validate.js';
import { registerDiffCommand } from './operate/diff.js';
import { registerDmsCommand } from './operate/dms.js';
import { registerDoctorCommand } from './operate/doctor.js';
import { registerReconcileCommand } from './operate/reconcile.js';
import { registerReplayCommand } from './operate/replay.js';
import { registerStatusCommand } from './operate/status.js';
import { registerWarehouseCommand } from './operate/warehouse.js';
import { registerSetupCommand } from './setup/index.js';

/** Every `dms2bq` command; each lives in ./<what it acts on>. */
export const commandModules: RegisterCommand[] = [
  registerSimulateCommand,
  registerValidateCommand,
  registerPlanCommand,
  registerReplayCommand,
  registerDmsCommand,
  registerDoctorCommand,
  registerBigQueryEmulatorCommand,
  registerWarehouseCommand,
  registerStatusCommand,
  registerReconcileCommand,
  registerDiffCommand,
  registerLocalCommand,
  registerSetupCommand,
];
