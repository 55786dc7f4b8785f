// Process plumbing shared by the bench scripts: a server or generator started pinned to one
// CPU, stopped by PID, and /proc readings (CPU, RSS, open descriptors, the machine's CPU).

import { spawn, execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import readline from "node:readline";

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const CLK_TCK = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;

/** utime, stime (ticks) and the per-thread schedstat sum (ns) of a process. */
export function cpuSample(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  let ns = 0;
  let threads = 0;
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
      threads++;
    } catch {
      // the thread exited between readdir and read
    }
  }
  return { utime: Number(fields[11]), stime: Number(fields[12]), ns, threads, t: performance.now() };
}

/** The same shape as the generator's "cpu" object, so that a report treats both alike. */
export function cpuDelta(a, b) {
  const wallSeconds = (b.t - a.t) / 1000;
  const schedSeconds = (b.ns - a.ns) / 1e9;
  return {
    ok: true,
    userTicks: b.utime - a.utime,
    systemTicks: b.stime - a.stime,
    ticksPerSecond: CLK_TCK,
    userSeconds: (b.utime - a.utime) / CLK_TCK,
    systemSeconds: (b.stime - a.stime) / CLK_TCK,
    schedSeconds,
    wallSeconds,
    busy: schedSeconds / wallSeconds,
    threads: b.threads,
  };
}

export function rssBytes(pid) {
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) * 1024;
}

/** Open descriptors of `pid` (entries of /proc/PID/fd). */
export function fdCount(pid) {
  return fs.readdirSync(`/proc/${pid}/fd`).length;
}

/** Busy and total ticks of the whole machine, from the first line of /proc/stat. */
export function machineTicks() {
  const v = fs.readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - v[3] - v[4], total };
}

export function processTicks(pid) {
  try {
    const s = cpuSample(pid);
    return s.utime + s.stime;
  } catch {
    return NaN;
  }
}

/** Starts `cmd args` pinned to `cpu`; resolves once it printed `listening PORT`. */
export function startServer(cmd, args, cpu = 0, label = cmd) {
  return new Promise((resolve, reject) => {
    // taskset execs the server, so the child's PID is the server's.
    const child = spawn("taskset", ["-c", String(cpu), cmd, ...args.map(String)], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let timer = setTimeout(() => {
      timer = null;
      child.kill("SIGKILL");
      reject(new Error(`${label}: no "listening" line within 10 s; stderr: ${err.slice(-500)}`));
    }, 10000);
    child.stdout.on("data", (d) => {
      out += d;
      const m = /listening (\d+)/.exec(out);
      if (m && timer) {
        clearTimeout(timer);
        timer = null;
        resolve({ child, port: Number(m[1]), pid: child.pid, stderr: () => err });
      }
    });
    child.stderr.on("data", (d) => {
      err += d;
      if (err.length > 20000) err = err.slice(-10000);
    });
    child.on("error", (e) => {
      if (timer) clearTimeout(timer);
      reject(e);
    });
  });
}

/** SIGTERM, then SIGKILL by PID after 5 s. */
export async function stopProcess(child) {
  if (child.exitCode !== null || child.signalCode !== null) {
    return { exit: child.exitCode, signal: child.signalCode, before: true };
  }
  const exited = new Promise((r) => child.once("exit", (code, signal) => r({ exit: code, signal })));
  process.kill(child.pid, "SIGTERM");
  const res = await Promise.race([exited, sleep(5000).then(() => null)]);
  if (res) return res;
  process.kill(child.pid, "SIGKILL");
  return { ...(await exited), killed: true };
}

/**
 * Runs `body()` against the started server `srv`, then stops the server by PID. The result of
 * `body` (or an error result when it throws) gains `seconds`, `serverExit` and `otherCpus`:
 * the CPU used meanwhile by anything but this server and the generators, in CPUs (1.0 = one
 * CPU busy all along), since other people's builds and tests disturb the numbers. A server
 * that exited on its own during the run fails it.
 */
export async function runAgainst(srv, body) {
  const m0 = machineTicks();
  const s0 = processTicks(srv.pid);
  const started = Date.now();
  let result;
  try {
    result = await body();
  } catch (e) {
    result = { ok: false, error: String(e.stack ?? e), generatorCpuSeconds: 0 };
  }
  const seconds = (Date.now() - started) / 1000;
  const m1 = machineTicks();
  const s1 = processTicks(srv.pid);
  const stop = await stopProcess(srv.child);
  const other = (m1.busy - m0.busy - (s1 - s0)) / CLK_TCK - (result.generatorCpuSeconds ?? 0);
  result.otherCpus = Math.max(0, other / seconds);
  result.seconds = seconds;
  result.serverExit = stop;
  if (stop.before) {
    result.ok = false;
    result.error = `${result.error ?? ""} server exited during the run: ${JSON.stringify(stop)}; ${srv.stderr().slice(-500)}`;
  }
  return result;
}

/** One socketio-loadgen process pinned to `cpu`; its stdout is one JSON object per line. */
export class Generator {
  constructor(bin, args, cpu = 1, onEvent = null) {
    this.child = spawn("taskset", ["-c", String(cpu), bin, ...args.map(String)], { stdio: ["pipe", "pipe", "pipe"] });
    this.events = [];
    this.waiters = [];
    this.stderr = "";
    this.onEvent = onEvent;
    // "close", not "exit": it comes after stdout has been read to the end.
    this.exited = new Promise((resolve) => {
      this.child.on("close", (code, signal) => {
        this.exit = { code, signal };
        this.notify();
        resolve(this.exit);
      });
    });
    this.child.stderr.on("data", (d) => {
      this.stderr += d;
      if (this.stderr.length > 20000) this.stderr = this.stderr.slice(-10000);
    });
    readline.createInterface({ input: this.child.stdout }).on("line", (line) => {
      let e;
      try {
        e = JSON.parse(line);
      } catch {
        e = { event: "garbage", line };
      }
      // Ticks are many; only the latest is kept, and the caller sees each one.
      if (e.event === "tick") this.lastTick = e;
      else this.events.push(e);
      if (this.onEvent) this.onEvent(e);
      this.notify();
    });
    this.child.stdin.on("error", () => {});
  }

  notify() {
    for (const w of this.waiters.splice(0)) w();
  }

  /** The first event named `name`; an error object when the process exits first or time runs out. */
  async event(name, timeoutMs) {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const e = this.events.find((x) => x.event === name);
      if (e) return e;
      const done = this.events.find((x) => x.event === "done");
      if (done && name !== "done") return { ...done, ok: false, error: done.error ?? `ended before "${name}"` };
      if (this.exit) return { ok: false, error: `generator exited (${JSON.stringify(this.exit)}) before "${name}": ${this.stderr.slice(-500)}` };
      const left = end - Date.now();
      if (left <= 0) return { ok: false, error: `no "${name}" from the generator within ${timeoutMs} ms` };
      await new Promise((r) => {
        const timer = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          r();
        });
      });
    }
  }

  go() {
    this.child.stdin.write("go\n");
  }

  async stop() {
    if (!this.exit) {
      await Promise.race([this.exited, sleep(3000)]);
      if (!this.exit) {
        process.kill(this.child.pid, "SIGKILL");
        await this.exited;
      }
    }
  }
}

/** A self-signed P-256 certificate for 127.0.0.1 in `dir` (openssl CLI): { cert, key } paths. */
export function makeCertificate(dir) {
  fs.mkdirSync(dir, { recursive: true });
  const cert = `${dir}/cert.pem`;
  const key = `${dir}/key.pem`;
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
    "-keyout", key, "-out", cert, "-days", "7", "-subj", "/CN=127.0.0.1",
    "-addext", "subjectAltName=IP:127.0.0.1",
  ], { stdio: ["ignore", "ignore", "pipe"] });
  return { cert, key };
}

export function git(repoDir, args) {
  try {
    return execFileSync("git", ["-C", repoDir, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "";
  }
}

/** The machine and the checkout a report's figures come from. */
export function machineAndCommit(repoDir) {
  const cpuinfo = fs.readFileSync("/proc/cpuinfo", "utf8");
  const dirty = git(repoDir, ["status", "--porcelain", "--", "src", "include", "examples", "bench/loadgen", "CMakeLists.txt"]);
  return {
    date: new Date().toISOString(),
    nproc: os.availableParallelism ? os.availableParallelism() : os.cpus().length,
    model: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? "?",
    kernel: os.release(),
    node: process.version,
    commit: git(repoDir, ["rev-parse", "--short=12", "HEAD"]) || "?",
    dirtyFiles: dirty ? dirty.split("\n").length : 0,
  };
}
