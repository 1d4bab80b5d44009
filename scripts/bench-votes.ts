// A burst of votes over two server processes (`npm run bench`, part 5):
// N delegates, half on each process, vote on one approved question at the
// same moment, while /healthz and another session's session:join are
// probed every 10 ms. Prints the votes counted, the burst's duration and
// the probes' p50/p99: figures, never assertions.
import type { Socket } from 'socket.io-client';
import type { JoinAck, QuestionMessageBody } from '../server/protocol/events.ts';
import { probeLatency, quantile } from '../test/support/latency.ts';
import { hasRedis, startServerCluster } from '../test/support/processes.ts';
import { connect, createParticipant, emit, ok, type TestParticipant } from '../test/support/realtime.ts';

export async function voteBurst(delegates: number, runs: number): Promise<void> {
  console.log(`\n5. ${delegates} delegates voting at once over two processes (Redis, one data directory)`);
  if (!hasRedis) {
    console.log('   skipped: redis-server is not installed');
    return;
  }
  const cluster = await startServerCluster(2);
  const sockets: Socket[] = [];
  try {
    const [urlA, urlB] = cluster.urls as [string, string];
    const chair = await createParticipant({ url: urlA }, { name: 'Bench chair', roles: [{ sessionId: 'closing', role: 'moderator' }] });
    const mod = await connect(urlA, { token: chair.token });
    sockets.push(mod);
    await ok(mod, 'session:join', { sessionId: 'closing' });
    const people: TestParticipant[] = [];
    for (let i = 0; i < delegates; i += 20) {
      people.push(...(await Promise.all(Array.from({ length: Math.min(20, delegates - i) }, (_, k) => createParticipant({ url: urlA }, { name: `Bench voter ${i + k}` })))));
    }
    const voters = await Promise.all(people.map((p, i) => connect(i % 2 === 0 ? urlA : urlB, { token: p.token })));
    sockets.push(...voters);
    await Promise.all(voters.map((s) => ok(s, 'session:join', { sessionId: 'closing' })));
    const bystander = await connect(urlB, { token: (await createParticipant({ url: urlA }, { name: 'Bench bystander' })).token });
    sockets.push(bystander);
    console.log('   run   counted   burst ms   /healthz p50/p99 ms   other session p50/p99 ms');
    for (let run = 1; run <= runs; run++) {
      const { question } = await ok<{ question: QuestionMessageBody }>(mod, 'qna:ask', { sessionId: 'closing', text: `Bench question ${run}` });
      await ok(mod, 'qna:moderate', { sessionId: 'closing', questionId: question.id, action: 'approve' });
      const started = performance.now();
      const burst = Promise.all(voters.map((s) => emit(s, 'qna:vote', { sessionId: 'closing', questionId: question.id, vote: true })));
      const [, health, other] = await Promise.all([
        burst.then(() => performance.now() - started),
        probeLatency(() => fetch(`${urlA}/healthz`).then((r) => r.text()), burst),
        probeLatency(() => emit(bystander, 'session:join', { sessionId: 'opening' }), burst),
      ]);
      const burstMs = performance.now() - started;
      const view = await ok<JoinAck>(mod, 'session:join', { sessionId: 'closing' });
      const counted = view.qna.questions.find((q) => q.id === question.id)?.votes ?? 0;
      const f = (n: number): string => n.toFixed(0).padStart(4);
      console.log(`   ${String(run).padStart(3)}   ${String(counted).padStart(7)}   ${f(burstMs).padStart(8)}   ${f(quantile(health, 0.5))} / ${f(quantile(health, 0.99))}          ${f(quantile(other, 0.5))} / ${f(quantile(other, 0.99))}`);
    }
  } finally {
    for (const s of sockets) s.close();
    await cluster.stop();
  }
}
