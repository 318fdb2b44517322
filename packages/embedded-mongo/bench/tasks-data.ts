/**
 * The 100,000 task-shaped documents both store benches query (through the driver in run.ts, in process in
 * queries.ts), so the two measure the same data: 200 units, 4 statuses, deadlines over 400 days.
 */
export const BENCH_NOW = Date.UTC(2021, 0, 1);
export const ACTIVE_STATUSES = ["assigned", "in_progress", "returned"];
const STATUSES = [...ACTIVE_STATUSES, "done"];

export function benchTask(i: number): { _id: string; [key: string]: unknown } {
  return {
    _id: `task-${i}`,
    programmeId: `prog-${i % 10}`,
    code: `T${i}`,
    title: `Nhiệm vụ ${i}`,
    leadUnit: `unit-${i % 200}`,
    status: STATUSES[i % 4],
    deadline: new Date(BENCH_NOW - 200 * 86_400_000 + (i % 400) * 86_400_000),
    updatedAt: new Date(BENCH_NOW),
  };
}
