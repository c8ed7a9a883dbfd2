import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { loadStageConfig, StageConfigError } from '../infra/config.js';
import { pipelineStackName } from '../lambdas/shared/naming.js';
import { UserError } from './errors.js';
import { describeFailure } from './failure.js';

/** The deployed stage's region (from config/<stage>.json) and one output of its stack. */
export async function stageStackOutput(
  stage: string,
  outputKey: string,
  region?: string,
): Promise<{ region: string; value: string }> {
  let stageRegion = region;
  if (!stageRegion) {
    try {
      stageRegion = loadStageConfig(stage).region;
    } catch (error) {
      if (error instanceof StageConfigError) throw new UserError(error.message);
      throw error;
    }
  }
  const stackName = pipelineStackName(stage);
  const cloudFormation = new CloudFormationClient({ region: stageRegion });
  const { Stacks = [] } = await cloudFormation
    .send(new DescribeStacksCommand({ StackName: stackName }))
    .catch((error: Error) => {
      throw new UserError(`cannot read stack ${stackName} in ${stageRegion}: ${describeFailure(error).line}`);
    });
  const value = Stacks[0]?.Outputs?.find((output) => output.OutputKey === outputKey)?.OutputValue;
  if (!value)
    throw new UserError(`stack ${stackName} in ${stageRegion} has no output ${outputKey}; is it deployed?`);
  return { region: stageRegion, value };
}
