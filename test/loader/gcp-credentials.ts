/**
 * The two Google credential shapes the loader accepts (DESIGN decision 10), as Secrets Manager holds
 * them: a workload identity federation configuration for AWS, and a service account key. Building
 * clients from these makes no request, so no Google endpoint is needed.
 */
export const WIF_CONFIG = {
  type: 'external_account',
  audience: '//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/dms2bq/providers/aws',
  subject_token_type: 'urn:ietf:params:aws:token-type:aws4_request',
  token_url: 'https://sts.googleapis.com/v1/token',
  credential_source: {
    environment_id: 'aws1',
    regional_cred_verification_url:
      'https://sts.{region}.amazonaws.com?Action=GetCallerIdentity&Version=2011-06-15',
  },
} as const;

export const SERVICE_ACCOUNT_KEY = {
  type: 'service_account',
  client_email: 'loader@project.iam.gserviceaccount.com',
  private_key: '-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n',
} as const;
