// Node options of a production Plenary server, in one place: `npm start`
// (scripts/launch.mjs) and the benches (scripts/bench-*.ts) start the server
// with them, and the Dockerfile sets the same in NODE_OPTIONS (checked by
// test/http/server-flags.test.ts). Plain JavaScript: launch.mjs imports it
// before anything is installed.
//
// --max-semi-space-size=8: V8's young generation grows to two 32 MB
// semi-spaces by default on this kind of machine, and under the steady
// allocation of thousands of sockets it stays there, resident. 8 MB each
// keeps a busy server's memory as found near what is live (issue #10:
// about 40 MB per 1,000 delegate sockets by default, 25 MB with 8), for a
// few more young-generation collections (the README's performance section
// says what that cost in the bench).
export const serverNodeFlags = ['--max-semi-space-size=8'];
