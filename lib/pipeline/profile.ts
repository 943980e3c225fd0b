/**
 * In-process CPU profiling through node:inspector (works under Deno): start, stop, save the
 * `.cpuprofile` (open it in Chrome DevTools) and summarise the functions with the most self time.
 *
 * @module
 */
import { Session } from "node:inspector";
import { writeJsonAtomic } from "../util/fs.ts";

/** A profile's summary. */
export interface ProfileSummary {
  /** Where the raw profile was written, or null. */
  path: string | null;
  total_ms: number;
  samples: number;
  /** Functions by self time, most first (top 20). */
  slowest: { function: string; url: string; line: number; self_ms: number; self_pct: number }[];
}

interface CpuNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: CpuNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/** Summarise a V8 CPU profile by self time per function. */
export function summarizeProfile(p: CpuProfile, path: string | null = null): ProfileSummary {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<string, { function: string; url: string; line: number; us: number }>();
  const samples = p.samples ?? [];
  const deltas = p.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const n = byId.get(samples[i]);
    if (!n) continue;
    const { functionName, url, lineNumber } = n.callFrame;
    const name = functionName || "(anonymous)";
    const key = `${name}|${url}|${lineNumber}`;
    const e = self.get(key) ?? { function: name, url, line: lineNumber + 1, us: 0 };
    e.us += deltas[i + 1] ?? deltas[i] ?? 0;
    self.set(key, e);
  }
  const totalUs = Math.max(1, p.endTime - p.startTime);
  const slowest = [...self.values()]
    .filter((e) =>
      !["(idle)", "(program)", "(garbage collector)"].includes(e.function) || e.us > totalUs * 0.05
    )
    .sort((a, b) => b.us - a.us)
    .slice(0, 20)
    .map((e) => ({
      function: e.function,
      url: e.url.replace(/^file:\/\//, ""),
      line: e.line,
      self_ms: Math.round(e.us / 100) / 10,
      self_pct: Math.round(e.us / totalUs * 1000) / 10,
    }));
  return { path, total_ms: Math.round(totalUs / 1000), samples: samples.length, slowest };
}

/** Start profiling this process; `stop` ends it, writes the profile when given a path, and summarises. */
export async function startCpuProfile(): Promise<{ stop(path?: string): Promise<ProfileSummary> }> {
  const s = new Session();
  s.connect();
  const post = <T>(method: string, params: Record<string, unknown> = {}): Promise<T> =>
    new Promise((resolve, reject) =>
      s.post(method, params, (err: Error | null, res: unknown) => err ? reject(err) : resolve(res as T))
    );
  await post("Profiler.enable");
  await post("Profiler.setSamplingInterval", { interval: 1000 });
  await post("Profiler.start");
  return {
    async stop(path?: string): Promise<ProfileSummary> {
      const { profile } = await post<{ profile: CpuProfile }>("Profiler.stop");
      await post("Profiler.disable");
      s.disconnect();
      if (path) await writeJsonAtomic(path, profile);
      return summarizeProfile(profile, path ?? null);
    },
  };
}
