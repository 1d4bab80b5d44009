import crypto from 'node:crypto';

/** An ICE server as browsers take it (RTCIceServer), handed out with WebRTC transport options. */
export interface IceServer {
  urls: string[];
  username: string;
  credential: string;
}

export interface TurnConfig {
  /** turn:/turns: URLs of the TURN server(s), e.g. turn:turn.example.org:3478?transport=udp */
  urls: string[];
  /** coturn's static-auth-secret (use-auth-secret): the shared secret of the REST scheme. */
  secret: string;
  /** How long a credential stays valid, in seconds. */
  ttlSeconds: number;
}

/**
 * Time-limited TURN credentials in coturn's shared-secret ("TURN REST API")
 * scheme: the username is `<expiry unix time>:<who>`, the password the
 * base64 HMAC-SHA1 of the username under the shared secret. coturn checks
 * both without talking to Plenary; an expired credential is refused, so a
 * leaked one is worth little.
 */
export function turnCredentials(config: TurnConfig, who: string, now: Date = new Date()): IceServer {
  const expiry = Math.floor(now.getTime() / 1000) + config.ttlSeconds;
  // The username must not carry a second ':' (coturn splits at the first) nor anything personal.
  const label = crypto.createHash('sha256').update(who).digest('base64url').slice(0, 16);
  const username = `${expiry}:${label}`;
  const credential = crypto.createHmac('sha1', config.secret).update(username).digest('base64');
  return { urls: config.urls, username, credential };
}

/** The ICE servers for one participant (or socket), or none without TURN configured. */
export function iceServersFor(config: TurnConfig | undefined, who: string, now?: Date): IceServer[] | undefined {
  return config ? [turnCredentials(config, who, now)] : undefined;
}
