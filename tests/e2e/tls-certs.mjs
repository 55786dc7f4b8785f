// Test certificates made with the openssl CLI at test time (EC P-256: each takes a few ms):
// a CA, and leaf certificates it signs for the server (SAN 127.0.0.1 and localhost) or for
// clients. Nothing is checked in: every run makes its own, in a temporary directory removed
// when the process exits.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import process from "node:process";

const dirs = [];
process.once("exit", () => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** A fresh temporary directory, removed at exit. */
export function tempDir(prefix = "socketio-tls-") {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.push(d);
  return d;
}

function openssl(args, cwd) {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
}

/** Makes a CA in `dir`; returns { cert, key, pem } (file paths and the certificate's PEM). */
export function makeCa(dir, name = "socketio test CA") {
  const base = name.replace(/\W+/g, "-");
  const cert = path.join(dir, `${base}.pem`);
  const key = path.join(dir, `${base}.key`);
  openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
    "-keyout", key, "-out", cert, "-days", "2", "-subj", `/CN=${name}`], dir);
  return { cert, key, pem: fs.readFileSync(cert, "utf8") };
}

/**
 * Makes a key and a certificate signed by `ca`, with subject CN `name`. A server certificate
 * names 127.0.0.1 and localhost; a client one is for client authentication. Returns
 * { cert, key, certPem, keyPem }.
 */
export function makeLeaf(dir, ca, name, { client = false } = {}) {
  const base = name.replace(/\W+/g, "-");
  const key = path.join(dir, `${base}.key`);
  const csr = path.join(dir, `${base}.csr`);
  const cert = path.join(dir, `${base}.pem`);
  const ext = path.join(dir, `${base}.ext`);
  fs.writeFileSync(ext, client
    ? "extendedKeyUsage=clientAuth\n"
    : "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
  openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
    "-keyout", key, "-out", csr, "-subj", `/CN=${name}`], dir);
  openssl(["x509", "-req", "-in", csr, "-CA", ca.cert, "-CAkey", ca.key, "-CAcreateserial",
    "-out", cert, "-days", "2", "-extfile", ext], dir);
  return { cert, key, certPem: fs.readFileSync(cert, "utf8"), keyPem: fs.readFileSync(key, "utf8") };
}

let shared = null;
/**
 * The certificates of a TLS run (SOCKETIO_E2E_TLS=1), made once per process:
 * { dir, ca (makeCa), server (makeLeaf) }.
 */
export function testCertificates() {
  if (!shared) {
    const dir = tempDir();
    const ca = makeCa(dir);
    shared = { dir, ca, server: makeLeaf(dir, ca, "socketio test server") };
  }
  return shared;
}
