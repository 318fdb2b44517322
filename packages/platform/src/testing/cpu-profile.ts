/**
 * Reading a V8 CPU profile (`node --cpu-prof`) for the benches: its shape, and its samples one by one
 * with the time each stands for, restricted to a span (a figure's measured load) so a process's
 * start-up and the other figures do not drown the per-call costs. Each bench sums them its own way.
 */
export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

export interface CpuProfile {
  nodes: { id: number; callFrame: CallFrame }[];
  /** µs on the machine's monotonic clock (CLOCK_MONOTONIC on Linux, shared by every process). */
  startTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/** A span of the profile to count (µs, the profile's clock). */
export interface ProfileWindow {
  from_us: number;
  to_us: number;
}

/** Every sample inside `window` (all without one): its frame and its time, the gap to the next sample (the last gets the previous gap). */
export function* profileSamples(profile: CpuProfile, window?: ProfileWindow): Generator<{ frame: CallFrame; us: number }> {
  const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let at = profile.startTime;
  for (let i = 0; i < samples.length; i++) {
    at += deltas[i] ?? 0;
    if (window && (at < window.from_us || at > window.to_us)) continue;
    const frame = frames.get(samples[i]!);
    if (frame) yield { frame, us: Math.max(0, deltas[i + 1] ?? deltas[i] ?? 0) };
  }
}

/** One key per function and place: V8 splits one function over several nodes. */
export function frameKey(frame: CallFrame): string {
  return `${frame.functionName}\u0000${frame.url}\u0000${frame.lineNumber}`;
}
