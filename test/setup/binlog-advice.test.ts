import { describe, expect, it } from 'vitest';
import { parameterGroupAdvice, rdsEndpoint, reviewBinlog } from '../../cli/setup/source/binlog.js';

const ready = new Map([
  ['log_bin', 'ON'],
  ['binlog_format', 'ROW'],
  ['binlog_row_image', 'FULL'],
  ['binlog_checksum', 'NONE'],
  ['event_scheduler', 'ON'],
]);

describe("setup source's binlog review", () => {
  it('gives the exact Aurora cluster parameter-group change and the writer reboot, and reboots nothing', () => {
    // Act
    const advice = parameterGroupAdvice(
      'aurora-mysql',
      'casino-a.cluster-c1a2b3.eu-west-1.rds.amazonaws.com',
      [
        { name: 'binlog_format', value: 'ROW' },
        { name: 'binlog_row_image', value: 'FULL' },
      ],
    );

    // Assess
    expect(advice).toEqual([
      'Aurora: set binlog_format=ROW, binlog_row_image=FULL in the DB cluster parameter group (a custom one: the default group cannot be changed):',
      "  GROUP=$(aws rds describe-db-clusters --region eu-west-1 --db-cluster-identifier casino-a --query 'DBClusters[0].DBClusterParameterGroup' --output text)",
      '  aws rds modify-db-cluster-parameter-group --region eu-west-1 --db-cluster-parameter-group-name "$GROUP" --parameters "ParameterName=binlog_format,ParameterValue=ROW,ApplyMethod=pending-reboot" "ParameterName=binlog_row_image,ParameterValue=FULL,ApplyMethod=pending-reboot"',
      'Then, in a maintenance window, reboot the writer (dms2bq never reboots anything):',
      "  WRITER=$(aws rds describe-db-clusters --region eu-west-1 --db-cluster-identifier casino-a --query 'DBClusters[0].DBClusterMembers[?IsClusterWriter].DBInstanceIdentifier' --output text)",
      '  aws rds reboot-db-instance --region eu-west-1 --db-instance-identifier "$WRITER"',
    ]);
  });

  it("gives an RDS instance's DB parameter group, naming what it could not tell from a DNS alias", () => {
    // Act
    const advice = parameterGroupAdvice('mysql', 'db.internal.example', [
      { name: 'binlog_format', value: 'ROW' },
    ]);

    // Assess
    expect(advice[1]).toContain('--db-instance-identifier INSTANCE_ID');
    expect(advice.at(-1)).toBe(
      "(INSTANCE_ID: the instance's identifier; db.internal.example is not an instance endpoint)",
    );
  });

  it('reads the cluster and instance endpoints RDS gives', () => {
    expect(rdsEndpoint('shop.cluster-ro-abc123.us-east-1.rds.amazonaws.com')).toEqual({
      id: 'shop',
      cluster: true,
      region: 'us-east-1',
    });
    expect(rdsEndpoint('shop-1.abc123.us-east-1.rds.amazonaws.com')).toEqual({
      id: 'shop-1',
      cluster: false,
      region: 'us-east-1',
    });
  });

  it('plans binlog retention hours on RDS/Aurora when NULL, as SQL setup runs', () => {
    // Act
    const review = reviewBinlog('source shop', { variables: ready, rds: { retentionHours: null } }, true);

    // Assess
    expect(review.setRetention).toBe(true);
    expect(review.changes).toEqual([]);
    expect(review.results.every((result) => result.status === 'pass')).toBe(true);
  });

  it('asks only for event_scheduler when the mapping has a heartbeat', () => {
    // Prepare
    const off = new Map([...ready, ['event_scheduler', 'OFF'], ['binlog_expire_logs_seconds', '259200']]);

    // Act
    const withBeat = reviewBinlog('source shop', { variables: off }, true);
    const without = reviewBinlog('source shop', { variables: off }, false);

    // Assess
    expect(withBeat.changes).toEqual([{ name: 'event_scheduler', value: 'ON' }]);
    expect(without.changes).toEqual([]);
  });
});
