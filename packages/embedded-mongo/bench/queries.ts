/**
 * The store's query path alone, in this process: planner, index scan, filter and the first batch, over
 * 100,000 tasks, for the service's reads (GetTask's findOne by `_id`, ListTasks' pages of 50). No wire and
 * no driver, so it holds on a machine other processes are using. Prints one JSON line per figure.
 *
 *   npx tsx bench/queries.ts
 *   BENCH_COMPARE_SRC=/path/to/other/checkout/packages/embedded-mongo/src npx tsx bench/queries.ts   (A/B, alternating)
 */
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import type { Document } from "bson";
import { ACTIVE_STATUSES, BENCH_NOW, benchTask } from "./tasks-data.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const builds: [string, string][] = [["this", path.join(here, "..", "src")]];
if (process.env.BENCH_COMPARE_SRC) builds.unshift(["compared", path.resolve(process.env.BENCH_COMPARE_SRC)]);
const rounds = Number(process.env.BENCH_ROUNDS ?? 2);

const now = BENCH_NOW;
const active = ACTIVE_STATUSES;
const before = new Date(now);
const queries: Record<string, { n: number; spec: (i: number) => Document }> = {
  "findOne by _id (GetTask)": { n: 50_000, spec: (i) => ({ filter: { _id: `task-${(i * 7919) % 100_000}` }, limit: 1 }) },
  "a unit's overdue tasks ($in + range), sort deadline, limit 50 (ListTasks)": {
    n: 3000,
    spec: (i) => ({
      filter: { leadUnit: `unit-${i % 200}`, status: { $in: active }, deadline: { $lt: before } },
      sort: { deadline: 1 },
      limit: 50,
    }),
  },
  "status equality + deadline range, sort deadline, limit 50": {
    n: 3000,
    spec: (i) => ({ filter: { status: active[i % 3], deadline: { $lt: before } }, sort: { deadline: 1 }, limit: 50 }),
  },
};

for (let round = 1; round <= rounds; round++) {
  for (const [build, src] of builds) {
    const { CollectionData } = await import(path.join(src, "storage", "collection-data.ts"));
    const { parseIndexSpec } = await import(path.join(src, "storage", "index-spec.ts"));
    const { runFind } = await import(path.join(src, "query", "execute.ts"));
    const { takeBatch } = await import(path.join(src, "cursors.ts"));
    const data = new CollectionData("bench.tasks");
    for (let i = 0; i < 100_000; i++) {
      data.insert(benchTask(i));
    }
    data.addIndex(parseIndexSpec({ key: { leadUnit: 1, status: 1, deadline: 1 }, name: "lead_status_deadline" }));
    data.addIndex(parseIndexSpec({ key: { status: 1, deadline: 1 }, name: "status_deadline" }));
    for (const [figure, q] of Object.entries(queries)) {
      const run = (count: number) => {
        for (let i = 0; i < count; i++) {
          takeBatch({ iterator: runFind(data, q.spec(i), true), pending: undefined, remaining: Number.POSITIVE_INFINITY }, 101);
        }
      };
      run(Math.min(500, q.n)); // warm the JIT
      const t = performance.now();
      run(q.n);
      const us = ((performance.now() - t) * 1000) / q.n;
      process.stdout.write(
        `${JSON.stringify({ bench: "embedded-mongo queries", build, round, figure, unit: "us/query", value: Number(us.toFixed(1)) })}\n`,
      );
    }
  }
}
