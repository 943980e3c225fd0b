/**
 * Registering the Deno Jupyter kernel for the user (`deno task jupyter:install`) and checking it.
 *
 * `deno jupyter --install` always writes `~/.local/share/jupyter/kernels/<name>/kernel.json`
 * (it ignores JUPYTER_DATA_DIR) and records as argv[0] whatever path deno was invoked through,
 * which can be a symlink or an npx cache path that later disappears; so the result is verified
 * and repaired here.
 *
 * @module
 */
import { join, resolve } from "node:path";
import { existsSync } from "node:fs";
import { KinetraError } from "../errors.ts";
import { writeJsonAtomic } from "../util/fs.ts";
import { findNbconvert, installProjectKernel, KERNEL_NAME } from "./notebooks.ts";

/** Result of {@link installUserKernel}. */
export interface KernelInstall {
  /** Kernelspec name. */
  name: string;
  /** Path of the user kernel.json. */
  kernel_json: string;
  /** The deno binary the kernel runs. */
  argv0: string;
  /** True when argv[0] was rewritten because `deno jupyter` recorded a path that does not run. */
  argv0_fixed: boolean;
  /** Path of the project-local kernel.json used by `deno task notebooks`. */
  project_kernelspec: string;
  /** Result of the one-cell smoke test. */
  check: "ok" | "skipped" | "no_nbconvert";
  /** Duration of the smoke test, null when skipped. */
  check_seconds: number | null;
}

/** The user's Jupyter data folder: $XDG_DATA_HOME/jupyter, else ~/.local/share/jupyter. */
export function userJupyterDataDir(): string {
  const xdg = Deno.env.get("XDG_DATA_HOME");
  const home = Deno.env.get("HOME");
  if (xdg) return join(xdg, "jupyter");
  if (!home) throw new KinetraError("no_home", "HOME is not set, so there is no user Jupyter folder");
  return join(home, ".local", "share", "jupyter");
}

async function denoWorks(path: string): Promise<boolean> {
  try {
    const r = await new Deno.Command(path, { args: ["--version"], stdout: "piped", stderr: "null" }).output();
    return r.success && new TextDecoder().decode(r.stdout).startsWith("deno ");
  } catch {
    return false;
  }
}

/**
 * Install the kernelspec `name` for the user with this deno, repair argv[0] if needed, write the
 * project-local kernelspec, and (when `check`) run a one-cell notebook on the user kernel.
 */
export async function installUserKernel(
  opts: { name?: string; check?: boolean; root?: string } = {},
): Promise<KernelInstall> {
  const name = opts.name ?? "deno";
  const deno = Deno.execPath();
  const env = { ...Deno.env.toObject(), NO_COLOR: "1" };
  delete (env as Record<string, string>).RUST_BACKTRACE;
  const res = await new Deno.Command(deno, {
    args: ["jupyter", "--install", "--force", "--name", name, "--display", "Deno"],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  if (!res.success) {
    throw new KinetraError(
      "jupyter_install_failed",
      `deno jupyter --install failed (exit ${res.code}): ${
        dec.decode(res.stderr).trim() || dec.decode(res.stdout).trim()
      }`,
      { exitCode: 1 },
    );
  }
  const kernelJson = join(userJupyterDataDir(), "kernels", name, "kernel.json");
  if (!existsSync(kernelJson)) {
    throw new KinetraError(
      "jupyter_install_failed",
      `deno jupyter --install reported success but ${kernelJson} does not exist: ${
        dec.decode(res.stderr).trim()
      }`,
      { exitCode: 1 },
    );
  }
  const spec = JSON.parse(await Deno.readTextFile(kernelJson)) as {
    argv: string[];
    env?: Record<string, string>;
  };
  let fixed = false;
  if (!spec.argv?.length || !(await denoWorks(spec.argv[0]))) {
    spec.argv = [deno, "jupyter", "--kernel", "--conn", "{connection_file}"];
    fixed = true;
  }
  spec.env = { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", ...spec.env };
  await writeJsonAtomic(kernelJson, spec);
  const projectKernels = await installProjectKernel(resolve(opts.root ?? Deno.cwd()));
  let check: KernelInstall["check"] = "skipped";
  let seconds: number | null = null;
  if (opts.check !== false) {
    const nbconvert = findNbconvert();
    if (!nbconvert) check = "no_nbconvert";
    else {
      seconds = await smokeTest(nbconvert, name);
      check = "ok";
    }
  }
  return {
    name,
    kernel_json: kernelJson,
    argv0: spec.argv[0],
    argv0_fixed: fixed,
    project_kernelspec: join(projectKernels, "kernels", KERNEL_NAME, "kernel.json"),
    check,
    check_seconds: seconds,
  };
}

/** Execute a one-cell notebook on kernel `name`; throws when the cell's output does not come back. */
async function smokeTest(nbconvert: string, name: string): Promise<number> {
  const dir = await Deno.makeTempDir({ prefix: "kinetra-kernel-check-" });
  try {
    const nb = {
      cells: [{
        cell_type: "code",
        id: "check",
        metadata: {},
        execution_count: null,
        outputs: [],
        source: [
          'console.log("kinetra kernel ok " + (6 * 7));\n',
          "await new Promise((r) => setTimeout(r, 150));",
        ],
      }],
      metadata: { kernelspec: { name, display_name: "Deno", language: "typescript" } },
      nbformat: 4,
      nbformat_minor: 5,
    };
    await Deno.writeTextFile(join(dir, "check.ipynb"), JSON.stringify(nb));
    const t0 = performance.now();
    const r = await new Deno.Command(nbconvert, {
      args: [
        "--to",
        "notebook",
        "--execute",
        `--ExecutePreprocessor.kernel_name=${name}`,
        "--ExecutePreprocessor.timeout=60",
        "--output",
        "out.ipynb",
        join(dir, "check.ipynb"),
      ],
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const seconds = (performance.now() - t0) / 1000;
    if (!r.success) {
      throw new KinetraError(
        "kernel_check_failed",
        `the "${name}" kernel did not run a test cell: ${
          new TextDecoder().decode(r.stderr).trim().split("\n").slice(-5).join("\n")
        }`,
        { exitCode: 1 },
      );
    }
    const out = await Deno.readTextFile(join(dir, "out.ipynb"));
    if (!out.includes("kinetra kernel ok 42")) {
      throw new KinetraError(
        "kernel_check_failed",
        `the "${name}" kernel ran but its output never came back`,
        { exitCode: 1 },
      );
    }
    return seconds;
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
