import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CD_SESSION_SECONDS } from '../../infra/constructs/github-roles.js';

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, string | number | boolean>;
  env?: Record<string, string>;
}

interface Job {
  if?: string;
  needs?: string | string[];
  environment?: string;
  permissions?: Record<string, string>;
  strategy?: { matrix?: Record<string, unknown> };
  uses?: string;
  with?: Record<string, string | number | boolean>;
  steps?: Step[];
}

interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  concurrency?: { group: string; 'cancel-in-progress'?: boolean };
  jobs: Record<string, Job>;
}

const WORKFLOWS = readdirSync('.github/workflows').filter((file) => file.endsWith('.yml'));
const STAGES = readdirSync('config')
  .filter((file) => file.endsWith('.json'))
  .map((file) => file.replace(/\.json$/, ''))
  .sort();

/** Actions whose current major runs on Node 24 (GitHub retires the Node 20 runtime), by release. */
const NODE24_ACTIONS: Record<string, string> = {
  'actions/checkout': '93cb6efe18208431cddfb8368fd83d5badbf9bfd # v5.0.1',
  'actions/setup-node': '2028fbc5c25fe9cf00d9f06a71cc4710d4507903 # v6.0.0',
  'aws-actions/configure-aws-credentials': 'a03048d87541d1d9fcf2ecf528a4a65ba9bd7838 # v5.0.0',
  'google-github-actions/auth': '7c6bc770dae815cd3e89ee6cdf493a5fab2cc093 # v3.0.0',
};

/** A GitHub Actions expression as written in a workflow: `${{ … }}`. */
const expr = (inner: string): string => ['$', '{{ ', inner, ' }}'].join('');

const text = (name: string): string => readFileSync(`.github/workflows/${name}`, 'utf8');
const workflow = (name: string): Workflow => parse(text(name)) as Workflow;
const steps = (wf: Workflow): Step[] => Object.values(wf.jobs).flatMap((job) => job.steps ?? []);
const runs = (command: string) => (step: Step) => step.run?.includes(command) ?? false;
const usesAction = (action: string) => (step: Step) => step.uses?.startsWith(`${action}@`) ?? false;

const job = (wf: Workflow, name: string): Job => {
  const found = wf.jobs[name];
  if (!found) throw new Error(`no job ${name}`);
  return found;
};

/** Index of the first step of `job` matching `predicate`; -1 when none does. */
const stepIndex = (j: Job, predicate: (step: Step) => boolean): number =>
  (j.steps ?? []).findIndex(predicate);

describe('every workflow', () => {
  it('uses the Node 24 release of every action, with its version in a comment', () => {
    // Act
    const pins = WORKFLOWS.flatMap((file) =>
      text(file)
        .split('\n')
        .map((line) => /uses: ([\w.-]+\/[\w.-]+)@(.*)$/.exec(line))
        .filter((match): match is RegExpExecArray => match !== null)
        .map(([, action = '', pin]) => `${action}@${pin}`),
    );

    // Assess
    expect(new Set(pins.map((pin) => pin.split('@')[0]))).toEqual(new Set(Object.keys(NODE24_ACTIONS)));
    for (const pin of pins) {
      const action = pin.split('@')[0] ?? '';
      expect(pin).toBe(`${action}@${NODE24_ACTIONS[action]}`);
    }
  });
});

describe.each(WORKFLOWS)('%s', (file) => {
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
  const ci = () => workflow('ci.yml');

  it('runs on pull requests', () => {
    // Assess
    expect(Object.keys(ci().on)).toEqual(['pull_request']);
  });

  it('runs the checks on Node 20 and on Node 24, the Lambda runtime', () => {
    // Assess
    expect(job(ci(), 'check').strategy?.matrix?.node).toEqual([20, 24]);
  });

  it.each(['npm ci', 'npm test', 'npx dms2bq validate', 'npx cdk synth'])('runs %s', (command) => {
    // Act
    const found = stepIndex(job(ci(), 'check'), runs(command));

    // Assess
    expect(found).toBeGreaterThanOrEqual(0);
  });

  it("checks the pull request's mappings against the target branch's, which the running tasks were deployed from", () => {
    // Prepare
    const check = job(ci(), 'check');
    const checkout = (check.steps ?? []).find(usesAction('actions/checkout'));

    // Assess
    expect(checkout?.with?.['fetch-depth']).toBe(0);
    expect(stepIndex(check, runs('git archive "origin/$BASE_REF" mappings'))).toBeGreaterThanOrEqual(0);
    expect(stepIndex(check, runs('npx dms2bq validate --base'))).toBeGreaterThan(
      stepIndex(check, runs('npm ci')),
    );
  });

  it('plans every stage into the job summary and one sticky PR comment', () => {
    // Act
    const plan = job(ci(), 'plan');
    const planStep = (plan.steps ?? []).find(runs('npx dms2bq plan'));
    const comment = (plan.steps ?? []).find(runs('sticky-comment.sh plan'));

    // Assess
    expect(planStep?.run).toContain('for config in config/*.json');
    expect(planStep?.run).toContain('$GITHUB_STEP_SUMMARY');
    expect(comment?.if).toBe('github.event.pull_request.head.repo.full_name == github.repository');
    expect(plan.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
  });

  it('diffs every stage listed in config/, each with its own read-only role', () => {
    // Act
    const diff = job(ci(), 'diff');

    // Assess
    expect(diff.needs).toContain('stages');
    expect(diff.strategy?.matrix?.stage).toBe(expr('fromJSON(needs.stages.outputs.stages)'));
    expect(job(ci(), 'stages').steps?.find((step) => step.id === 'list')?.run).toContain('config/*.json');
    expect(diff.if).toContain("vars.AWS_DIFF_ROLES != ''");
    expect(diff.if).toContain('github.event.pull_request.head.repo.full_name == github.repository');
    expect(diff.permissions).toEqual({ contents: 'read', 'id-token': 'write', 'pull-requests': 'write' });
    expect(
      diff.steps?.find(usesAction('aws-actions/configure-aws-credentials'))?.with?.['role-to-assume'],
    ).toBe(expr('fromJSON(vars.AWS_DIFF_ROLES)[matrix.stage]'));
  });

  it('posts each stage’s diff after running it with AWS credentials', () => {
    // Act
    const diff = job(ci(), 'diff');

    // Assess
    const credentials = stepIndex(diff, usesAction('aws-actions/configure-aws-credentials'));
    const cdkDiff = stepIndex(diff, runs('npx cdk diff --all'));
    expect(cdkDiff).toBeGreaterThan(credentials);
    expect(diff.steps?.[cdkDiff]?.run).toContain('$GITHUB_STEP_SUMMARY');
    expect(stepIndex(diff, runs('sticky-comment.sh "diff-$STAGE"'))).toBeGreaterThan(cdkDiff);
  });

  it('diffs templates without a change set or lookups, so the diff role needs neither the deploy nor the lookup role', () => {
    // Act
    const command = job(ci(), 'diff').steps?.find(runs('npx cdk diff'))?.run ?? '';

    // Assess
    expect(command).toContain('npx cdk diff --all --method template --no-lookups -c stage="$STAGE"');
  });
});

describe('deploy.yml', () => {
  const deploy = () => workflow('deploy.yml');

  it('runs on pushes to main', () => {
    // Assess
    expect(deploy().on).toEqual({ push: { branches: ['main'] } });
  });

  it('never runs two deploys at once and never cancels one halfway', () => {
    // Act
    const { concurrency } = deploy();

    // Assess
    expect(concurrency?.group).toMatch(/^deploy-/);
    expect(concurrency?.['cancel-in-progress']).toBe(false);
  });

  it('deploys every stage of config/, dev first, then prod only after dev succeeded', () => {
    // Act
    const stages = Object.values(deploy().jobs).map((j) => j.with?.stage);

    // Assess
    expect([...stages].sort()).toEqual(STAGES);
    expect(job(deploy(), 'dev')).toMatchObject({
      uses: './.github/workflows/deploy-stage.yml',
      with: { stage: 'dev' },
    });
    expect(job(deploy(), 'prod')).toMatchObject({
      uses: './.github/workflows/deploy-stage.yml',
      with: { stage: 'prod' },
      needs: 'dev',
    });
  });

  it('grants each stage only an OIDC token and read access', () => {
    // Assess
    expect(deploy().permissions).toEqual({});
    for (const j of Object.values(deploy().jobs))
      expect(j.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
  });
});

describe('deploy-stage.yml', () => {
  const stage = () => job(workflow('deploy-stage.yml'), 'deploy');

  it('is called with a stage and runs in the GitHub environment of that name (prod: required reviewers)', () => {
    // Assess
    expect(workflow('deploy-stage.yml').on).toMatchObject({
      workflow_call: { inputs: { stage: { required: true, type: 'string' } } },
    });
    expect(stage().environment).toBe(expr('inputs.stage'));
  });

  it('assumes the environment’s AWS role through OIDC, in the stage’s region, for the longest deploy', () => {
    // Act
    const aws = stage().steps?.find(usesAction('aws-actions/configure-aws-credentials'));

    // Assess
    expect(aws?.with?.['role-to-assume']).toBe(expr('vars.AWS_DEPLOY_ROLE_ARN'));
    expect(aws?.with?.['aws-region']).toBe(expr('steps.region.outputs.region'));
    expect(aws?.with?.['role-duration-seconds']).toBe(CD_SESSION_SECONDS);
    expect(CD_SESSION_SECONDS).toBeGreaterThanOrEqual(2 * 3600);
  });

  it('outlives its AWS session by no more than the steps around the deploy', () => {
    // Act
    const timeout = (workflow('deploy-stage.yml').jobs.deploy as Job & { 'timeout-minutes'?: number })[
      'timeout-minutes'
    ];

    // Assess
    expect(timeout).toBeGreaterThanOrEqual(CD_SESSION_SECONDS / 60);
    expect(timeout).toBeLessThanOrEqual(CD_SESSION_SECONDS / 60 + 30);
  });

  it('deploys only the stage stack, without prompting, after AWS credentials (the account stack is a one-time step)', () => {
    // Act
    const cdkDeploy = stepIndex(
      stage(),
      runs('npx cdk deploy "Dms2Bq-$STAGE" --exclusively --require-approval never -c stage="$STAGE"'),
    );

    // Assess
    expect(cdkDeploy).toBeGreaterThan(
      stepIndex(stage(), usesAction('aws-actions/configure-aws-credentials')),
    );
    expect(cdkDeploy).toBeGreaterThan(stepIndex(stage(), runs('npx dms2bq validate')));
    expect(stage().steps?.filter(runs('cdk deploy'))).toHaveLength(1);
    expect(text('deploy-stage.yml')).not.toContain('--all');
    expect(text('deploy-stage.yml')).not.toContain('Dms2Bq-account');
  });

  it('applies datasets, changelog tables and the loader’s access before cdk deploy, views and backfill after it', () => {
    // Prepare
    const googleSteps = (stage().steps ?? []).flatMap((step, index) =>
      usesAction('google-github-actions/auth')(step) ? [index] : [],
    );

    // Act
    const pre = stepIndex(stage(), runs('npx dms2bq warehouse apply --stage "$STAGE" --phase pre'));
    const deploy = stepIndex(stage(), runs('npx cdk deploy'));
    const post = stepIndex(
      stage(),
      runs('npx dms2bq warehouse apply --stage "$STAGE" --phase post --backfill'),
    );

    // Assess
    for (const index of googleSteps) {
      expect(stage().steps?.[index]?.with?.workload_identity_provider).toMatch(/^\$\{\{ vars\.\w+ \}\}$/);
    }
    expect(googleSteps[0]).toBeLessThan(pre);
    expect(pre).toBeLessThan(deploy);
    expect(deploy).toBeLessThan(post);
    // Credentials fetched again after a deploy that may have lasted hours.
    expect(googleSteps.some((index) => index > deploy && index < post)).toBe(true);
  });
});

describe('dependabot.yml', () => {
  const dependabot = () =>
    parse(readFileSync('.github/dependabot.yml', 'utf8')) as {
      updates: { 'package-ecosystem': string; directory: string; ignore?: { 'dependency-name': string }[] }[];
    };

  it('updates the pinned actions and the npm dependencies', () => {
    // Assess
    expect(dependabot().updates.map((u) => [u['package-ecosystem'], u.directory])).toEqual([
      ['github-actions', '/'],
      ['npm', '/'],
    ]);
  });

  it('holds back the majors that break the toolchain on Node 20 or the CDK assembly', () => {
    // Act
    const npm = dependabot().updates.find((u) => u['package-ecosystem'] === 'npm');

    // Assess
    expect(npm?.ignore?.map((rule) => rule['dependency-name'])).toEqual(
      expect.arrayContaining(['aws-cdk', '@google-cloud/bigquery', 'fauxqs']),
    );
  });
});
