import { Duration, Validations } from 'aws-cdk-lib';
import { type IRole, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { arnFinding } from '../nag.js';
import { ESM_BANNER, MAIN_FIELDS } from './esm-bundling.js';

export interface PipelineFunctionProps {
  /** Absolute path of the handler's TypeScript entry. */
  entry: string;
  description: string;
  timeout: Duration;
  memorySizeMb: number;
  /** esbuild `define`s: identifier → JavaScript expression text. */
  define?: Record<string, string>;
  environment?: Record<string, string>;
  logRetention?: RetentionDays;
  /**
   * A fixed role name, for roles another system names before the first deploy (the Google
   * federation binding, ADR 0031); CloudFormation then cannot replace the role without a new name.
   */
  roleName?: string;
}

/**
 * Every function of the pipeline: nodejs24.x on ARM64, bundled by the local esbuild as ESM with
 * source maps, X-Ray tracing, its own log group with retention and its own role that can write
 * only to that log group. Access is added with the `bind…` methods, which grant the permission
 * and set the environment variable in one call so the two can never drift apart.
 */
export class PipelineFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: IRole;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: PipelineFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention ?? RetentionDays.ONE_MONTH });
    // An explicit role keeps AWSLambdaBasicExecutionRole (logs:* on every log group) out.
    this.role = new Role(this, 'Role', {
      ...(props.roleName ? { roleName: props.roleName } : {}),
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: props.description,
    });
    this.logGroup.grantWrite(this.role);
    this.function = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySizeMb,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      tracing: Tracing.ACTIVE,
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node24',
        minify: true,
        sourceMap: true,
        mainFields: MAIN_FIELDS,
        // CommonJS dependencies call require() and read __dirname; ESM output has neither unless provided.
        banner: ESM_BANNER,
        define: props.define ?? {},
        forceDockerBundling: false,
      },
    });
    Validations.of(this).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'Only xray:PutTraceSegments/PutTelemetryRecords, which have no resource-level permissions.',
      },
      {
        id: 'Serverless-LambdaDLQ',
        reason: 'Never invoked asynchronously: SQS-driven (the queue has the DLQ) or invoked synchronously.',
      },
    );
  }

  /** Plain configuration that needs no permission. */
  bindValue(name: string, value: string): this {
    this.function.addEnvironment(name, value);
    return this;
  }

  /** s3:GetObject on `<prefix>*` of each prefix only, and the bucket name in `name`. */
  bindObjectRead(name: string, bucket: IBucket, prefixes: readonly string[]): this {
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['s3:GetObject'],
        resources: prefixes.map((prefix) => bucket.arnForObjects(`${prefix}*`)),
      }),
    );
    for (const prefix of prefixes) {
      Validations.of(this).acknowledge({
        id: arnFinding(bucket, `/${prefix}*`),
        reason: 'Reads only the objects under one source prefix of the landing bucket.',
      });
    }
    return this.bindValue(name, bucket.bucketName);
  }

  /** s3:ListBucket limited to the given key prefixes, and the bucket name in `name`. */
  bindBucketList(name: string, bucket: IBucket, prefixes: readonly string[]): this {
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': prefixes.flatMap((prefix) => [prefix, `${prefix}*`]) } },
      }),
    );
    return this.bindValue(name, bucket.bucketName);
  }

  /** sqs:SendMessage on this queue only, and its URL in `name`. */
  bindQueueSend(name: string, queue: IQueue): this {
    this.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queue.queueArn] }),
    );
    return this.bindValue(name, queue.queueUrl);
  }

  /** secretsmanager:GetSecretValue on one secret, and its ARN in `name`. */
  bindSecretRead(name: string, secretArn: string): this {
    this.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secretArn] }),
    );
    return this.bindValue(name, secretArn);
  }

  get timeout(): Duration {
    return this.function.timeout ?? Duration.seconds(3);
  }
}
