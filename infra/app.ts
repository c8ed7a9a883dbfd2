import { App } from 'aws-cdk-lib';
import { loadStageConfig } from './config.js';
import { APP_CONTEXT, addAccountStack, addDeployment, stagesOfAccount } from './deployment.js';
import { readMappingsSync } from './mappings.js';
import { addNagChecks } from './nag.js';

/**
 * `cdk synth -c stage=<name>`: reads config/<name>.json and mappings/, needs no AWS credentials
 * and no network. A bad config or mapping prints one message per problem and exits 1.
 */
// CDK's built-in CloudFormation schema check costs ~14 s of CPU per synth. CI turns it on, with its
// findings as errors (DMS2BQ_CFN_VALIDATION=true), so every pull request gets it; local synths stay fast.
const cfnValidation = process.env.DMS2BQ_CFN_VALIDATION === 'true';
const app = new App({
  context: {
    ...APP_CONTEXT,
    ...(cfnValidation ? { '@aws-cdk/core:validateAgainstDefaultRules': true } : {}),
  },
  builtinCloudFormationValidation: cfnValidation,
});
const stage = String(app.node.tryGetContext('stage') ?? 'dev');
try {
  const config = loadStageConfig(stage);
  addAccountStack(app, config, stagesOfAccount('config', config));
  addDeployment(app, { stage, config, mappings: readMappingsSync('mappings') });
  addNagChecks(app);
} catch (error) {
  const { name, message } = error as Error;
  // The project's own errors (StageConfigError, MappingLoadError, MappingValidationError) are user
  // mistakes: one message, no stack trace. Anything else is a bug and keeps its trace.
  if (!['StageConfigError', 'MappingLoadError', 'MappingValidationError'].includes(name)) throw error;
  process.stderr.write(`${message}\n`);
  process.exit(1);
}
