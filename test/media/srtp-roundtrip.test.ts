// SRTP round trip through the mediasoup worker, for each crypto suite Plenary
// may negotiate. The worker we run is built against Debian's libsrtp2 with a
// compatibility patch (scripts/mediasoup-worker/01-libsrtp2-compat.patch):
// this proves that patch encrypts, authenticates and decrypts correctly.
//
//   dgram sender --RTP--> plainIn (router 1) -> producer1
//     -> consumerA on srtpA (router 1) --SRTP--> UDP relay (records, may tamper)
//     --SRTP--> srtpB (router 2) -> producerB -> consumerB on plainOut
//     --RTP--> dgram receiver
//
// For each suite it asserts that the payload bytes arrive intact, that the
// bytes on the wire between A and B do not contain the plaintext and carry the
// suite's authentication tag, and that B drops packets tampered with on the
// wire.
//
// A last test runs a DTLS-SRTP handshake (ICE via a hand-made STUN request,
// then `openssl s_client -dtls1_2` as the client) against a WebRtcTransport:
// with Debian's kTLS-enabled OpenSSL the unpatched worker crashes there
// (scripts/mediasoup-worker/02-dtls-bio-callback-result.patch).

import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { crc32 } from 'node:zlib';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as mediasoup from 'mediasoup';
import type * as ms from 'mediasoup/types';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const IP = '127.0.0.1';
const PAYLOAD_TYPE = 100;
const SOURCE_SSRC = 0x11223344;

// Bytes the suite appends to each SRTP packet (RFC 3711 / RFC 7714).
const SUITES: { suite: ms.SrtpCryptoSuite; tagLength: number }[] = [
	{ suite: 'AES_CM_128_HMAC_SHA1_80', tagLength: 10 },
	{ suite: 'AES_CM_128_HMAC_SHA1_32', tagLength: 4 },
	{ suite: 'AEAD_AES_128_GCM', tagLength: 16 },
	{ suite: 'AEAD_AES_256_GCM', tagLength: 16 },
];

type EnsureWorker = (options: { rootDir: string; log: (line: string) => void }) => Promise<string>;

async function workerBinary(): Promise<string> {
	const fromEnv = process.env.MEDIASOUP_WORKER_BIN;

	if (fromEnv) {
		return fromEnv;
	}

	// Not a literal specifier: the script is plain JavaScript without typings.
	const scriptUrl = pathToFileURL(path.join(ROOT, 'scripts', 'mediasoup-worker.mjs')).href;
	const { ensureMediasoupWorker } = (await import(scriptUrl)) as { ensureMediasoupWorker: EnsureWorker };

	return ensureMediasoupWorker({ rootDir: ROOT, log: line => console.log(line) });
}

/** Offset and length of the payload of an RTP packet (RFC 3550 5.1). */
function rtpPayloadBounds(packet: Buffer, trailerLength = 0): { offset: number; length: number } {
	const first = packet[0] ?? 0;
	const csrcCount = first & 0x0f;
	let offset = 12 + 4 * csrcCount;

	if (first & 0x10) {
		// Header extension: 16-bit profile, 16-bit length in 32-bit words.
		offset += 4 + 4 * packet.readUInt16BE(offset + 2);
	}

	let end = packet.length - trailerLength;

	if (first & 0x20 && trailerLength === 0) {
		end -= packet[packet.length - 1] ?? 0;
	}

	return { offset, length: end - offset };
}

function isRtcp(packet: Buffer): boolean {
	const type = packet[1] ?? 0;

	return type >= 192 && type <= 223;
}

function rtpPacket(seq: number, payload: Buffer): Buffer {
	const header = Buffer.alloc(12);

	header[0] = 0x80;
	header[1] = PAYLOAD_TYPE;
	header.writeUInt16BE(seq & 0xffff, 2);
	header.writeUInt32BE((seq * 960) >>> 0, 4);
	header.writeUInt32BE(SOURCE_SSRC, 8);

	return Buffer.concat([header, payload]);
}

async function bindUdp(): Promise<dgram.Socket> {
	const socket = dgram.createSocket('udp4');

	await new Promise<void>((resolve, reject) => {
		socket.once('error', reject);
		socket.bind(0, IP, () => {
			socket.off('error', reject);
			resolve();
		});
	});

	return socket;
}

function closeUdp(socket: dgram.Socket): Promise<void> {
	return new Promise(resolve => socket.close(() => resolve()));
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

const HAS_OPENSSL_CLI = spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;

/** STUN Binding request as an ICE controlling agent (RFC 5389 / 8445). */
function stunBindingRequest(ice: ms.IceParameters): Buffer {
	const transactionId = randomBytes(12);
	const attributes: Buffer[] = [];
	const add = (type: number, value: Buffer) => {
		const attribute = Buffer.alloc(4 + value.length + ((4 - (value.length % 4)) % 4));

		attribute.writeUInt16BE(type, 0);
		attribute.writeUInt16BE(value.length, 2);
		value.copy(attribute, 4);
		attributes.push(attribute);
	};
	// Header with the message length counting `extra` bytes beyond the attributes so far.
	const header = (extra: number) => {
		const h = Buffer.alloc(20);

		h.writeUInt16BE(0x0001, 0);
		h.writeUInt16BE(Buffer.concat(attributes).length + extra, 2);
		h.writeUInt32BE(0x2112a442, 4);
		transactionId.copy(h, 8);

		return h;
	};
	const priority = Buffer.alloc(4);

	priority.writeUInt32BE(0x6e0001ff);
	add(0x0006, Buffer.from(`${ice.usernameFragment}:plenary`)); // USERNAME
	add(0x0024, priority); // PRIORITY
	add(0x802a, randomBytes(8)); // ICE-CONTROLLING
	add(0x0025, Buffer.alloc(0)); // USE-CANDIDATE
	add(
		0x0008, // MESSAGE-INTEGRITY
		createHmac('sha1', ice.password)
			.update(Buffer.concat([header(24), ...attributes]))
			.digest()
	);

	const fingerprint = Buffer.alloc(4);

	fingerprint.writeUInt32BE((crc32(Buffer.concat([header(8), ...attributes])) ^ 0x5354554e) >>> 0);
	add(0x8028, fingerprint); // FINGERPRINT

	return Buffer.concat([header(0), ...attributes]);
}

describe('mediasoup worker SRTP (libsrtp2 compatibility patch)', () => {
	let worker: ms.Worker;
	const sockets: dgram.Socket[] = [];

	const mediaCodecs: ms.RouterRtpCodecCapability[] = [
		{ kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
	];
	const listenInfo: ms.TransportListenInfo = { protocol: 'udp', ip: IP };

	beforeAll(async () => {
		const workerBin = await workerBinary();

		worker = await mediasoup.createWorker({ workerBin, logLevel: 'error' });
	}, 30 * 60_000);

	afterAll(async () => {
		await Promise.all(sockets.map(closeUdp));

		if (!worker) {
			return;
		}

		const subprocessClosed = new Promise<void>(resolve => {
			if (worker.subprocessClosed) {
				resolve();
			} else {
				worker.once('subprocessclose', () => resolve());
			}
		});

		worker.close();
		await subprocessClosed;
		expect(worker.died).toBe(false);
	});

	it.each(SUITES)(
		'$suite: RTP -> SRTP over UDP -> RTP keeps the payload intact',
		async ({ suite, tagLength }) => {
			expect(worker.died).toBe(false);

			const router1 = await worker.createRouter({ mediaCodecs });
			const router2 = await worker.createRouter({ mediaCodecs });

			try {
				const sender = await bindUdp();
				const relay = await bindUdp();
				const receiver = await bindUdp();

				sockets.push(sender, relay, receiver);

				// Plain RTP in.
				const plainIn = await router1.createPlainTransport({ listenInfo, rtcpMux: true, comedia: true });
				const producer1 = await plainIn.produce({
					kind: 'audio',
					rtpParameters: {
						codecs: [
							{ mimeType: 'audio/opus', payloadType: PAYLOAD_TYPE, clockRate: 48000, channels: 2 },
						],
						encodings: [{ ssrc: SOURCE_SSRC }],
					},
				});

				// SRTP hop: A (router 1) <-> relay <-> B (router 2).
				const srtpA = await router1.createPlainTransport({
					listenInfo,
					rtcpMux: true,
					comedia: false,
					enableSrtp: true,
					srtpCryptoSuite: suite,
				});
				const srtpB = await router2.createPlainTransport({
					listenInfo,
					rtcpMux: true,
					comedia: false,
					enableSrtp: true,
					srtpCryptoSuite: suite,
				});

				expect(srtpA.srtpParameters?.cryptoSuite).toBe(suite);
				expect(srtpB.srtpParameters?.cryptoSuite).toBe(suite);
				expect(srtpA.srtpParameters?.keyBase64).not.toBe(srtpB.srtpParameters?.keyBase64);

				const relayPort = relay.address().port;

				await srtpA.connect({ ip: IP, port: relayPort, srtpParameters: srtpB.srtpParameters! });
				await srtpB.connect({ ip: IP, port: relayPort, srtpParameters: srtpA.srtpParameters! });

				const wire: Buffer[] = [];
				let tamper = false;

				relay.on('message', (msg, rinfo) => {
					if (rinfo.port === srtpA.tuple.localPort) {
						if (!isRtcp(msg)) {
							wire.push(Buffer.from(msg));
						}

						const out = Buffer.from(msg);

						if (tamper && !isRtcp(out)) {
							// Flip one bit of the encrypted payload.
							const at = out.length - tagLength - 1;

							out.writeUInt8(out.readUInt8(at) ^ 0x01, at);
						}

						relay.send(out, srtpB.tuple.localPort, IP);
					} else if (rinfo.port === srtpB.tuple.localPort) {
						relay.send(msg, srtpA.tuple.localPort, IP);
					}
				});

				const consumerA = await srtpA.consume({
					producerId: producer1.id,
					rtpCapabilities: router1.rtpCapabilities,
				});
				const producerB = await srtpB.produce({
					kind: 'audio',
					rtpParameters: { ...consumerA.rtpParameters, mid: undefined },
				});

				// Plain RTP out.
				const plainOut = await router2.createPlainTransport({ listenInfo, rtcpMux: true, comedia: false });

				await plainOut.connect({ ip: IP, port: receiver.address().port });

				const consumerB = await plainOut.consume({
					producerId: producerB.id,
					rtpCapabilities: router2.rtpCapabilities,
				});

				expect(consumerB.kind).toBe('audio');

				const received: Buffer[] = [];

				receiver.on('message', msg => {
					if (!isRtcp(msg)) {
						const { offset, length } = rtpPayloadBounds(msg);

						received.push(Buffer.from(msg.subarray(offset, offset + length)));
					}
				});

				// Payloads with a recognisable plaintext marker.
				const marker = Buffer.from(`PLENARY-SRTP-${suite}-`);
				const payloads = Array.from({ length: 10 }, (_, i) =>
					Buffer.concat([marker, Buffer.from(String(i).padStart(3, '0')), randomBytes(120)])
				);
				let seq = 1000;

				const sendAll = async (list: Buffer[]) => {
					for (const payload of list) {
						sender.send(rtpPacket(seq++, payload), plainIn.tuple.localPort, IP);
						await sleep(20);
					}
				};

				const arrived = (payload: Buffer) => received.some(r => r.equals(payload));
				const deadline = Date.now() + 5000;

				// Resend what has not arrived yet (the first packets may meet
				// transports still settling), until everything is through.
				while (!payloads.every(arrived) && Date.now() < deadline) {
					await sendAll(payloads.filter(p => !arrived(p)));
					await sleep(100);
				}

				// Let resent duplicates still in flight land.
				await sleep(100);

				// Every payload arrived, byte for byte (duplicates from resends allowed).
				for (const payload of payloads) {
					expect(arrived(payload)).toBe(true);
				}

				for (const r of received) {
					expect(payloads.some(p => p.equals(r))).toBe(true);
				}

				// On the wire: no plaintext, payload grown by exactly the suite's tag.
				expect(wire.length).toBeGreaterThan(0);

				const wirePayloadType = consumerA.rtpParameters.codecs[0]?.payloadType;
				const media = wire.filter(packet => ((packet[1] ?? 0) & 0x7f) === wirePayloadType);

				expect(media.length).toBeGreaterThan(0);

				for (const packet of wire) {
					expect(packet.includes(marker)).toBe(false);
				}

				for (const packet of media) {
					const { length } = rtpPayloadBounds(packet, tagLength);

					expect(length).toBe(payloads[0]!.length);
				}

				// B authenticates: tampered packets must be dropped.
				const before = received.length;
				const tampered = Array.from({ length: 5 }, () => Buffer.concat([marker, randomBytes(120)]));

				tamper = true;
				await sendAll(tampered);
				await sleep(300);
				tamper = false;

				expect(received.length).toBe(before);

				// And untampered traffic still flows afterwards.
				const after = Buffer.concat([marker, Buffer.from('after'), randomBytes(64)]);
				const afterDeadline = Date.now() + 3000;

				while (!arrived(after) && Date.now() < afterDeadline) {
					await sendAll([after]);
					await sleep(50);
				}

				expect(arrived(after)).toBe(true);

				const statsB = await srtpB.getStats();

				expect(statsB[0]?.rtpBytesReceived ?? 0).toBeGreaterThan(0);
			} finally {
				router1.close();
				router2.close();
			}

			expect(worker.died).toBe(false);
		},
		30_000
	);
	it.skipIf(!HAS_OPENSSL_CLI)(
		'DTLS-SRTP handshake on a WebRtcTransport completes (worker survives the ServerHello)',
		async () => {
			expect(worker.died).toBe(false);

			const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plenary-dtls-'));
			const router = await worker.createRouter({ mediaCodecs });
			const client = await bindUdp();
			let opensslClient: ReturnType<typeof spawn> | undefined;

			sockets.push(client);

			try {
				const cert = path.join(dir, 'cert.pem');
				const key = path.join(dir, 'key.pem');

				execFileSync(
					'openssl',
					[
						'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
						'-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=plenary-test',
					],
					{ stdio: 'ignore' }
				);

				const fingerprint = execFileSync('openssl', ['x509', '-in', cert, '-noout', '-fingerprint', '-sha256'])
					.toString()
					.split('=')[1]!
					.trim();
				const transport = await router.createWebRtcTransport({ listenInfos: [listenInfo] });
				const serverPort = transport.iceCandidates[0]!.port;
				const dtlsStates: string[] = [];

				transport.on('dtlsstatechange', state => dtlsStates.push(state));

				// Our UDP socket is the ICE-checked tuple; it relays between
				// `openssl s_client` and the transport.
				let opensslPort: number | undefined;

				client.on('message', (msg, rinfo) => {
					if (rinfo.port === serverPort) {
						const isStun = (msg[0] ?? 0) < 2;

						if (!isStun && opensslPort) {
							client.send(msg, opensslPort, IP);
						}
					} else {
						opensslPort = rinfo.port;
						client.send(msg, serverPort, IP);
					}
				});

				const iceCompleted = new Promise<void>(resolve => {
					transport.on('icestatechange', state => {
						if (state === 'completed' || state === 'connected') {
							resolve();
						}
					});
				});

				client.send(stunBindingRequest(transport.iceParameters), serverPort, IP);
				await iceCompleted;
				await transport.connect({
					dtlsParameters: { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: fingerprint }] },
				});

				const connected = new Promise<void>((resolve, reject) => {
					transport.on('dtlsstatechange', state => {
						if (state === 'connected') {
							resolve();
						} else if (state === 'failed' || state === 'closed') {
							reject(new Error(`DTLS ${state}`));
						}
					});
					worker.once('died', error => reject(error));
				});

				opensslClient = spawn(
					'openssl',
					[
						's_client', '-dtls1_2', '-connect', `${IP}:${client.address().port}`,
						'-cert', cert, '-key', key, '-use_srtp', 'SRTP_AES128_CM_SHA1_80', '-quiet',
					],
					{ stdio: ['pipe', 'ignore', 'ignore'] }
				);

				await connected;

				expect(dtlsStates).toContain('connected');
				expect(transport.dtlsParameters.role).toBe('server');
				expect(worker.died).toBe(false);
			} finally {
				opensslClient?.kill();
				router.close();
				fs.rmSync(dir, { recursive: true, force: true });
			}
		},
		20_000
	);
});
