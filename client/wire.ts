import type { types } from 'mediasoup-client';
import type { RtpCapabilitiesInput, RtpParametersInput } from '../server/protocol/media-events.ts';

type WireParameters = Record<string, string | number>;

/**
 * mediasoup-client types codec parameters as open records; the signalling
 * schema (server/protocol/media-events.ts) accepts strings and numbers only,
 * which is all that SDP fmtp parameters can be. Anything else is dropped
 * here rather than refused by the server.
 */
function wireParameters(parameters: Record<string, unknown> | undefined): WireParameters | undefined {
  if (!parameters) return undefined;
  const out: WireParameters = {};
  for (const [key, value] of Object.entries(parameters)) {
    if (typeof value === 'string' || typeof value === 'number') out[key] = value;
  }
  return out;
}

export function wireRtpParameters(rtp: types.RtpParameters): RtpParametersInput {
  return {
    ...rtp,
    codecs: rtp.codecs.map((codec) => ({ ...codec, parameters: wireParameters(codec.parameters) })),
    headerExtensions: rtp.headerExtensions?.map((extension) => ({ ...extension, parameters: wireParameters(extension.parameters) })),
  };
}

export function wireRtpCapabilities(caps: types.RtpCapabilities): RtpCapabilitiesInput {
  return { ...caps, codecs: caps.codecs?.map((codec) => ({ ...codec, parameters: wireParameters(codec.parameters) })) };
}
