import { errors } from 'mediasoup';
import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.ts';
import { mediaFailure, viaMediasoup } from './media-errors.ts';

describe('mediasoup failures as coded errors', () => {
  it('maps each kind of mediasoup failure to a stable code, never internal', () => {
    const cases: [unknown, string][] = [
      [new Error("no more available ports [protocol:udp, ip:'127.0.0.1', numAttempt:3]"), 'media_unavailable'],
      [new Error("uv_udp_bind() failed [protocol:udp, ip:'10.0.0.1', port:40001]: address already in use"), 'media_unavailable'],
      [new errors.WorkerClosedError('Channel closed, pending request aborted [method:ROUTER_CREATE_PLAINTRANSPORT, id:7]'), 'media_unavailable'],
      [new errors.NotFoundError('Transport not found [method:TRANSPORT_CONNECT]'), 'media_not_found'],
      [new errors.UnsupportedError('media codec not supported [mimeType:audio/speex]'), 'bad_request'],
      [new TypeError('invalid DtlsRole: sideways'), 'bad_request'],
      [new Error('something else the worker threw'), 'media_unavailable'],
    ];
    for (const [error, code] of cases) {
      const mapped = mediaFailure(error);
      expect(mapped.code).toBe(code);
      expect(mapped.status).toBeLessThan(600);
      // The worker's own words stay in the log, not in the message about ports or workers.
      expect(mapped.cause).toBe(error);
    }
  });

  it('passes coded errors through and maps what a call rejects with', async () => {
    const coded = new AppError('not_on_floor', 'no');
    expect(mediaFailure(coded)).toBe(coded);
    await expect(viaMediasoup(() => Promise.reject(new Error('no more available ports [protocol:udp]')))).rejects.toMatchObject({ code: 'media_unavailable' });
    await expect(viaMediasoup(() => Promise.resolve(7))).resolves.toBe(7);
  });
});
