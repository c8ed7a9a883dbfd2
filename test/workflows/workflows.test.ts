import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, string>;
}

interface Job {
  if?: string;
  needs?: string | string[];
  environment?: string;
  permissions?: Record<string, string>;
  steps: Step[];
}

interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  concurrency?: { group: string; 'cancel-in-progress'?: boolean };
  jobs: Record<string, Job>;
}

const workflow = (name: string): Workflow =>
  parse(readFileSync(`.github/workflows/${name}`, 'utf8')) as Workflow;

const steps = (wf: Workflow): Step[] => Object.values(wf.jobs).flatMap((job) => job.steps);

/** Index of the first step of `job` matching `predicate`; -1 when none does. */
const stepIndex = (job: Job, predicate: (step: Step) => boolean): number => job.steps.findIndex(predicate);

const runs = (command: string) => (step: Step) => step.run?.includes(command) ?? false;

const job = (wf: Workflow, name: string): Job => {
  const found = wf.jobs[name];
  if (!found) throw new Error(`no job ${name}`);
  return found;
};

describe.each(['ci.yml', 'deploy.yml'])('%s', (file) => {
  it('pins every action by a full commit SHA', () => {
    // Act
    const unpinned = steps(workflow(file))
      .map((step) => step.uses)
      .filter((uses): uses is string => uses !== undefined && !/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/.test(uses));

    // Assess
    expect(unpinned).toEqual([]);
  });

  it('uses no long-lived cloud credentials', () => {
    // Act
    const inputs = steps(workflow(file)).flatMap((step) => Object.keys(step.with ?? {}));

    // Assess
    expect(inputs).not.toContain('aws-access-key-id');
    expect(inputs).not.toContain('aws-secret-access-key');
    expect(inputs).not.toContain('credentials_json');
  });

  it('grants GITHUB_TOKEN no write access to the repository', () => {
    // Act
    const grants = [
      workflow(file).permissions,
      ...Object.values(workflow(file).jobs).map((j) => j.permissions),
    ];

    // Assess
    for (const grant of grants) expect(grant?.contents ?? 'read').toBe('read');
  });
});

describe('ci.yml', () => {
  it('runs on pull requests', () => {
    // Assess
    expect(Object.keys(workflow('ci.yml').on)).toEqual(['pull_request']);
  });

  it.each(['npm ci', 'npm test', 'npx dms2bq validate', 'npx cdk synth'])('runs %s', (command) => {
    // Act
    const found = stepIndex(job(workflow('ci.yml'), 'check'), runs(command));

    // Assess
    expect(found).toBeGreaterThanOrEqual(0);
  });

  it('writes the plan to the job summary', () => {
    // Act
    const plan = job(workflow('ci.yml'), 'check').steps.find(runs('npx dms2bq plan'));

    // Assess
    expect(plan?.run).toContain('$GITHUB_STEP_SUMMARY');
  });

  it('runs cdk diff only when an AWS role is configured', () => {
    // Act
    const diff = job(workflow('ci.yml'), 'diff');

    // Assess
    expect(diff.if).toContain("vars.AWS_DIFF_ROLE_ARN != ''");
    expect(diff.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
    expect(stepIndex(diff, runs('npx cdk diff'))).toBeGreaterThan(
      stepIndex(diff, (step) => step.uses?.startsWith('aws-actions/configure-aws-credentials@') ?? false),
    );
  });
});

describe('deploy.yml', () => {
  const deploy = () => job(workflow('deploy.yml'), 'deploy');

  it('runs on pushes to main', () => {
    // Assess
    expect(workflow('deploy.yml').on).toEqual({ push: { branches: ['main'] } });
  });

  it('never runs two deploys at once and never cancels one halfway', () => {
    // Act
    const { concurrency } = workflow('deploy.yml');

    // Assess
    expect(concurrency?.group).toMatch(/^deploy-/);
    expect(concurrency?.['cancel-in-progress']).toBe(false);
  });

  it('grants only an OIDC token and read access, in a GitHub environment', () => {
    // Assess
    expect(workflow('deploy.yml').permissions).toEqual({});
    expect(deploy().permissions).toEqual({ contents: 'read', 'id-token': 'write' });
    expect(deploy().environment).toBeTruthy();
  });

  it('assumes the AWS role from a variable through OIDC', () => {
    // Act
    const aws = deploy().steps.find((step) =>
      step.uses?.startsWith('aws-actions/configure-aws-credentials@'),
    );

    // Assess
    expect(aws?.with?.['role-to-assume']).toMatch(/^\$\{\{ (vars|secrets)\.\w+ \}\}$/);
  });

  it('deploys every stack without prompting, after AWS credentials', () => {
    // Act
    const cdkDeploy = stepIndex(deploy(), runs('npx cdk deploy --all --require-approval never'));

    // Assess
    expect(cdkDeploy).toBeGreaterThan(
      stepIndex(deploy(), (step) => step.uses?.startsWith('aws-actions/configure-aws-credentials@') ?? false),
    );
  });

  it('applies the warehouse after the deploy with Google credentials from Workload Identity Federation', () => {
    // Prepare
    const google = stepIndex(
      deploy(),
      (step) => step.uses?.startsWith('google-github-actions/auth@') ?? false,
    );

    // Act
    const warehouse = stepIndex(deploy(), runs('npx dms2bq warehouse apply'));

    // Assess
    expect(deploy().steps[google]?.with?.workload_identity_provider).toMatch(/^\$\{\{ vars\.\w+ \}\}$/);
    expect(google).toBeGreaterThan(stepIndex(deploy(), runs('npx cdk deploy')));
    expect(warehouse).toBeGreaterThan(google);
  });
});
