/**
 * The single live binary: `deno compile` of tasks/live.ts with the narrowest permissions the
 * runner needs (network only to the default bridge address, 127.0.0.1:18812). deno compile
 * needs its runtime (denort) for this Deno version; it downloads it on first use, and where it
 * cannot, `DENORT_BIN` can point at one.
 *
 * @module
 */
import { KinetraError } from "../errors.ts";

/** The entry point compiled into the binary. */
export const LIVE_ENTRY = "tasks/live.ts";

/** Exactly the permission flags the binary is compiled with (and the deno-run test uses). */
export const LIVE_PERMISSION_FLAGS: readonly string[] = [
  "--no-prompt",
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-ffi",
  "--allow-sys",
  "--allow-net=127.0.0.1:18812",
];

/** Arguments of `deno compile` for the live binary. */
export function compileArgs(output: string): string[] {
  return ["compile", ...LIVE_PERMISSION_FLAGS, "--output", output, LIVE_ENTRY];
}

/** How to provide denort when deno compile cannot download it. */
export function denortHelp(): string {
  const v = Deno.version.deno;
  return `deno compile needs its runtime "denort" ${v} and could not download it ` +
    `(https://dl.deno.land/release/v${v}/denort-x86_64-unknown-linux-gnu.zip). On a machine with internet ` +
    `access download that zip, unzip it here and run: DENORT_BIN=/path/to/denort deno task build:live ` +
    `(or copy the zip, unopened, to $DENO_DIR/dl/release/v${v}/). Until then run the same entry point with ` +
    `deno task live (identical code and permissions).`;
}

/** Result of a build. */
export interface BuildResult {
  /** Path of the binary. */
  output: string;
  /** Its size in bytes. */
  bytes: number;
  /** The deno compile command that built it. */
  command: string;
}

/** Compile the live runner. Throws `denort_unavailable` (with what to do) when the runtime is missing. */
export async function buildLiveBinary(output = "dist/kinetra-live"): Promise<BuildResult> {
  const args = compileArgs(output);
  const env = { ...Deno.env.toObject() };
  delete env.RUST_BACKTRACE;
  const out = await new Deno.Command(Deno.execPath(), { args, env, stdout: "piped", stderr: "piped" })
    .output();
  const stderr = new TextDecoder().decode(out.stderr);
  if (out.code !== 0) {
    if (/denort|Setting up base binary|dl\.deno\.land/.test(stderr)) {
      throw new KinetraError("denort_unavailable", denortHelp(), { exitCode: 1 });
    }
    throw new KinetraError(
      "compile_failed",
      `deno compile failed:\n${stderr.trim().split("\n").slice(0, 12).join("\n")}`,
      {
        exitCode: 1,
      },
    );
  }
  const st = await Deno.stat(output);
  return { output, bytes: st.size, command: `deno ${args.join(" ")}` };
}
