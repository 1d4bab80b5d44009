// Node options of a production Plenary server, in one place: `npm start`
// (scripts/launch.mjs) and the benches (scripts/bench-*.ts) start the server
// with them, and the Dockerfile sets the same in NODE_OPTIONS (checked by
// test/http/server-flags.test.ts). Plain JavaScript: launch.mjs imports it
// before anything is installed.
//
// --max-semi-space-size=16: V8's young generation grows to two 32 MB
// semi-spaces by default on this kind of machine, and under the steady
// allocation of thousands of sockets it stays there, resident. Two 16 MB
// ones keep a busy server's memory as found nearer what is live (issue
// #10: in interleaved runs, 28-29 MB per 1,000 delegate sockets against
// 43-48 MB with V8's default, 17 MB live after GC either way). 8 MB cut it
// to 19-25 MB but, in six runs out of six, made the median delivery of a
// broadcast to 2,000 Socket.IO clients about twice as slow (68-247 ms
// against 19-51 ms), with the same CPU per delivery; 16 MB did not.
//
// The old generation's growing factor (--heap-growing-percent=50) is set by
// the server itself at start-up (server/ops/settle-heap.ts): Node refuses
// that flag in NODE_OPTIONS.
export const serverNodeFlags = ['--max-semi-space-size=16'];
