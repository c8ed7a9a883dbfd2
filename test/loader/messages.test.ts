import { describe, expect, it } from 'vitest';
import {
  MessageFormatError,
  parseLoaderMessage,
  REPLAY_MESSAGE_TYPE,
  replayMessage,
  STREAM_RANGE_MESSAGE_TYPE,
  streamRangeMessage,
} from '../../lambdas/shared/messages.js';
import { s3Notification } from './fixtures.js';

describe('parseLoaderMessage', () => {
  describe.each([
    ['plain key', 'casino_a/game/bets/LOAD00000001.parquet', 'casino_a/game/bets/LOAD00000001.parquet'],
    [
      'plus as space',
      'casino_a/game/my+bets/LOAD00000001.parquet',
      'casino_a/game/my bets/LOAD00000001.parquet',
    ],
    [
      'percent-encoded',
      'casino_a/game/b%C3%A9ts%2B1/LOAD00000001.parquet',
      'casino_a/game/béts+1/LOAD00000001.parquet',
    ],
  ])('an S3 notification with a %s', (_name, encoded, decoded) => {
    it('yields the bucket and the decoded key', () => {
      // Prepare
      const body = s3Notification('landing', encoded, '"etag-1"');

      // Act
      const message = parseLoaderMessage(body);

      // Assess
      expect(message).toEqual({
        kind: 'files',
        files: [{ bucket: 'landing', key: decoded, etag: 'etag-1' }],
      });
    });
  });

  it('acknowledges the S3 test event', () => {
    // Prepare
    const body = JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'landing' });

    // Act
    const message = parseLoaderMessage(body);

    // Assess
    expect(message).toEqual({ kind: 'test-event' });
  });

  it('reads a replay message built by replayMessage', () => {
    // Prepare
    const body = JSON.stringify(
      replayMessage({ bucket: 'landing', key: 'a/b/c/LOAD00000001.parquet', etag: '"e"', replayEpoch: 7 }),
    );

    // Act
    const message = parseLoaderMessage(body);

    // Assess
    expect(message).toEqual({
      kind: 'files',
      files: [{ bucket: 'landing', key: 'a/b/c/LOAD00000001.parquet', etag: 'e', replayEpoch: 7 }],
    });
  });

  it('reads a stream-range message built by streamRangeMessage', () => {
    // Prepare
    const file = { bucket: 'landing', key: 'a/b/c/LOAD00000001.parquet', etag: '"e"', replayEpoch: 7 };
    const body = JSON.stringify(streamRangeMessage({ ...file, rowGroups: { start: 4, end: 9 } }));

    // Act
    const message = parseLoaderMessage(body);

    // Assess
    expect(message).toEqual({
      kind: 'files',
      files: [{ ...file, etag: 'e', rowGroups: { start: 4, end: 9 } }],
    });
  });

  describe.each([
    ['not JSON', 'hello'],
    [
      'a stream-range message without an ETag',
      `{"type":"${STREAM_RANGE_MESSAGE_TYPE}","version":1,"bucket":"b","key":"k","rowGroups":{"start":0,"end":1}}`,
    ],
    [
      'a stream-range message with an empty range',
      `{"type":"${STREAM_RANGE_MESSAGE_TYPE}","version":1,"bucket":"b","key":"k","etag":"e","rowGroups":{"start":3,"end":3}}`,
    ],
    [
      'a stream-range message of a future version',
      `{"type":"${STREAM_RANGE_MESSAGE_TYPE}","version":2,"bucket":"b","key":"k","etag":"e","rowGroups":{"start":0,"end":1}}`,
    ],
    ['a JSON array', '[1,2]'],
    ['an unknown object', '{"foo":1}'],
    ['empty Records', '{"Records":[]}'],
    [
      'a record without a key',
      '{"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{}}}]}',
    ],
    [
      'a removal event',
      '{"Records":[{"eventName":"ObjectRemoved:Delete","s3":{"bucket":{"name":"b"},"object":{"key":"k"}}}]}',
    ],
    [
      'a replay message of a future version',
      `{"type":"${REPLAY_MESSAGE_TYPE}","version":2,"bucket":"b","key":"k"}`,
    ],
    ['a replay message without a key', `{"type":"${REPLAY_MESSAGE_TYPE}","version":1,"bucket":"b"}`],
    [
      'a replay message with a negative epoch',
      `{"type":"${REPLAY_MESSAGE_TYPE}","version":1,"bucket":"b","key":"k","replayEpoch":-1}`,
    ],
  ])('a body that is %s', (_name, body) => {
    it('is a MessageFormatError carrying the raw body', () => {
      // Prepare
      const parse = () => parseLoaderMessage(body);

      // Act
      const error = (() => {
        try {
          parse();
        } catch (caught) {
          return caught;
        }
      })();

      // Assess
      expect(error).toBeInstanceOf(MessageFormatError);
      expect((error as MessageFormatError).rawBody).toBe(body);
      expect((error as Error).message).toContain(body);
    });
  });
});

describe('streamRangeMessage', () => {
  it('refuses a range that holds no row group', () => {
    // Prepare
    const file = { bucket: 'landing', key: 'k', etag: 'e', rowGroups: { start: 2, end: 1 } };

    // Act
    const build = () => streamRangeMessage(file);

    // Assess
    expect(build).toThrow(/rowGroups/);
  });
});

describe('replayMessage', () => {
  it('omits the optional fields that were not given', () => {
    // Prepare
    const file = { bucket: 'landing', key: 'a/b/c/LOAD00000001.parquet' };

    // Act
    const message = replayMessage(file);

    // Assess
    expect(message).toEqual({ type: 'dms2bq.replay', version: 1, bucket: 'landing', key: file.key });
  });

  it('refuses a fractional replay epoch', () => {
    // Prepare
    const file = { bucket: 'landing', key: 'k', replayEpoch: 1.5 };

    // Act
    const build = () => replayMessage(file);

    // Assess
    expect(build).toThrow(/replayEpoch/);
  });
});
