// Groups a heaptrack recording's heap at its peak by call site, per connection.
//
//   node bench/memory/breakdown.mjs HEAPTRACK_FILE N [--top 40]
//
// Run measure.mjs with --heaptrack first: its peak is with all N connections open, so a call
// site's bytes at the peak / N is what it holds per connection. A site is named by the
// innermost frame of this library (socketio::...) and the innermost frame below it (what
// actually allocated: make_shared, a container's growth, a string copy ...). Sizes are what
// the program asked malloc for; malloc's own per-chunk overhead (8 bytes, 16-byte rounding,
// at least 32 bytes per chunk) comes on top and is estimated from the allocation count.

import { execFileSync } from "node:child_process";
import process from "node:process";

const [file, nArg] = process.argv.slice(2);
const top = process.argv.includes("--top") ? Number(process.argv[process.argv.indexOf("--top") + 1]) : 40;
if (!file || !nArg) {
  console.error("usage: node bench/memory/breakdown.mjs HEAPTRACK_FILE N [--top 40]");
  process.exit(2);
}
const n = Number(nArg);

function stacks(costType) {
  const out = `/tmp/heaptrack-stacks-${process.pid}-${costType}.txt`;
  execFileSync("heaptrack_print", ["-f", file, "-p", "0", "-a", "0", "-T", "0",
    "--flamegraph-cost-type", costType, "-F", out], { stdio: ["ignore", "ignore", "inherit"] });
  const text = execFileSync("cat", [out], { maxBuffer: 256 << 20 }).toString();
  execFileSync("rm", ["-f", out]);
  return text.split("\n").filter(Boolean).map((line) => {
    const sp = line.lastIndexOf(" ");
    return { frames: line.slice(0, sp).split(";"), cost: Number(line.slice(sp + 1)) };
  });
}

/** A frame without its argument list, return type and template noise, for a short name. */
function short(frame) {
  let f = frame.replace(/\[clone[^\]]*\]/g, "").replace(/ const$/, "").trim();
  // Drop the argument list: the last balanced (...) at the end.
  if (f.endsWith(")")) {
    let depth = 0;
    for (let i = f.length - 1; i >= 0; i--) {
      if (f[i] === ")") depth++;
      else if (f[i] === "(" && --depth === 0) {
        f = f.slice(0, i);
        break;
      }
    }
  }
  f = f.replace(/^(void|bool|auto|std::\S+|socketio::\S+|boost::\S+) (?=\S+::)/, "");
  return f.replace(/socketio::detail::|socketio::|std::__cxx11::|std::__detail::|boost::asio::detail::/g, "");
}

const ours = (f) => /socketio::/.test(f) && !/^main$/.test(f);

function site(frames) {
  // frames run from main (outermost) to the allocation (innermost).
  let i = frames.length - 1;
  while (i >= 0 && !ours(frames[i])) i--;
  if (i < 0) return `(outside the library) ${short(frames[frames.length - 1] ?? "?")}`;
  const below = frames[i + 1] ? ` -> ${short(frames[i + 1])}` : "";
  return `${short(frames[i])}${below}`;
}

const peak = new Map();
for (const s of stacks("peak")) {
  if (!s.cost) continue;
  const k = site(s.frames);
  peak.set(k, (peak.get(k) ?? 0) + s.cost);
}
const total = [...peak.values()].reduce((a, b) => a + b, 0);
const rows = [...peak.entries()].sort((a, b) => b[1] - a[1]);
console.log(`heap at peak: ${total.toLocaleString("en")} bytes requested, ${(total / n).toFixed(0)} per connection (N=${n})\n`);
console.log("| bytes per connection | call site (innermost library frame -> what allocated) |");
console.log("|---:|---|");
let shown = 0;
for (const [k, v] of rows.slice(0, top)) {
  shown += v;
  console.log(`| ${(v / n).toFixed(1)} | \`${k.replace(/\|/g, "\\|")}\` |`);
}
console.log(`| ${((total - shown) / n).toFixed(1)} | (${rows.length - Math.min(top, rows.length)} other sites) |`);
