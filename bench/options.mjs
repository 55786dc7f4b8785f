// The command line and the paths that bench.mjs, soak.mjs and tls.mjs have in common: where
// bench/ and its work folder are, where build/release puts the two binaries, and the options
// every one of them takes (--quick, --out, --cpp-bin, --loadgen-bin, --render).

import path from "node:path";
import { fileURLToPath } from "node:url";

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const repoDir = path.resolve(benchDir, "..");

/** bench/, the repository, bench/.work and the Release binaries built by bench/setup.sh. */
export const paths = {
  benchDir,
  repoDir,
  workDir: path.join(benchDir, ".work"),
  cppBin: path.join(repoDir, "build/release/examples/socketio-fixture-server"),
  loadgenBin: path.join(repoDir, "build/release/bench/loadgen/socketio-loadgen"),
};

/** What readOptions sets, before it has read anything: no --quick, no --out, the Release binaries. */
export const defaults = () => ({ quick: false, out: null, cppBin: paths.cppBin, loadgenBin: paths.loadgenBin });

/** A --reps value: 1 to 20, and 3 for anything that is not a number. */
export const repetitions = (v) => Math.max(1, Math.min(20, Number(v) || 3));

/** The number `v` of option `name`; throws unless it is in [lo, hi]. */
export function inRange(name, v, lo, hi) {
  const x = Number(v);
  if (!Number.isFinite(x) || x < lo || x > hi) throw new Error(`${name}: ${v} is not in [${lo}, ${hi}]`);
  return x;
}

const pathOptions = { "--out": "out", "--cpp-bin": "cppBin", "--loadgen-bin": "loadgenBin", "--render": "render" };

/**
 * Reads `argv` into `opts`: --quick sets opts.quick; --out, --cpp-bin, --loadgen-bin and
 * --render set absolute paths; `own.values[name](value)` takes a script's own option with a
 * value and `own.flags[name]()` one without. Anything else throws.
 */
export function readOptions(argv, opts, own = {}) {
  const values = own.values ?? {};
  const flags = own.flags ?? {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--quick") opts.quick = true;
    else if (Object.hasOwn(flags, a)) flags[a]();
    else if (Object.hasOwn(pathOptions, a) || Object.hasOwn(values, a)) {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      const v = argv[++i];
      if (Object.hasOwn(values, a)) values[a](v);
      else opts[pathOptions[a]] = path.resolve(v);
    } else throw new Error(`unknown argument ${a}`);
  }
}
