import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { loadStageConfig, StageConfigError } from '../infra/config.js';
import { pipelineStackName } from '../lambdas/shared/naming.js';
import { usageError } from './errors.js';
import { failedStep } from './failure.js';

/** The region of a stage: `config/<stage>.json`'s, so no `--region` is needed with `--stage`. */
export function stageRegion(stage: string): string {
  try {
    return loadStageConfig(stage).region;
  } catch (error) {
    if (error instanceof StageConfigError) throw usageError(error.message);
    throw error;
  }
}

/** The deployed stage's region (from config/<stage>.json) and one output of its stack. */
export async function stageStackOutput(
  stage: string,
  outputKey: string,
  region?: string,
): Promise<{ region: string; value: string }> {
  const regionOfStage = region ?? stageRegion(stage);
  const stackName = pipelineStackName(stage);
  const cloudFormation = new CloudFormationClient({ region: regionOfStage });
  const { Stacks = [] } = await cloudFormation
    .send(new DescribeStacksCommand({ StackName: stackName }))
    .catch((error: Error) => {
      throw failedStep(`cannot read stack ${stackName} in ${regionOfStage}`, error);
    });
  const value = Stacks[0]?.Outputs?.find((output) => output.OutputKey === outputKey)?.OutputValue;
  if (!value)
    throw usageError(`stack ${stackName} in ${regionOfStage} has no output ${outputKey}; is it deployed?`);
  return { region: regionOfStage, value };
}
