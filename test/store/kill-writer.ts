// Child process of sqlite-burst.test.ts: writes bursts to the embedded store
// and prints `ok <id>` for every insert and `rev <n>` for every counter
// update once its promise resolves, until the parent kills it with SIGKILL.
// stdout to a pipe is synchronous on Linux, so what is printed was acknowledged.
import { SqliteStore } from '../../server/store/sqlite-store.ts';

const [dir, tag] = process.argv.slice(2) as [string, string];
const store = SqliteStore.inDirectory(dir);
let counter = (await store.get<{ id: string; n: number }>('counters', 'c')) ?? (await store.put('counters', { id: 'c', n: 0 }));
process.stdout.write(`rev ${counter.rev}\n`);

for (let burst = 0; ; burst++) {
  const inserts = Array.from({ length: 40 }, (_, i) => {
    const id = `${tag}-${burst}-${i}`;
    return store.insert('notes', { id, text: `note ${id}` }).then(() => process.stdout.write(`ok ${id}\n`));
  });
  const update = store.update('counters', { ...counter, n: counter.n + 1 }).then((next) => {
    counter = next;
    process.stdout.write(`rev ${next.rev}\n`);
  });
  await Promise.all([...inserts, update]);
}
