// server_options::static_files: files served beside Socket.IO on the same port (the chat
// example's page). Not a Node feature, so not run against the reference.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";

import { eioUrl, isReference, rawConnect, request, startServer } from "./helpers.mjs";

const dir = mkdtempSync(path.join(os.tmpdir(), "socketio-static-"));
const root = path.join(dir, "public");
const files = {
  "index.html": "<!doctype html><title>home</title>",
  "style.css": "body { color: red; }",
  "app.js": "console.log('app');\n",
  "sub/index.html": "<p>sub</p>",
  "sub/data.json": '{"a":1}',
  "image.PNG": "\x89PNG",
  "blob.bin": "bytes",
  ".secret": "hidden",
};

/** Sends `GET <target>` exactly as written (no client-side normalisation); resolves to the status. */
async function rawStatus(port, target, method = "GET") {
  const c = await rawConnect(port);
  await c.write(`${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
  const text = (await c.ended).toString("latin1");
  const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
  assert.ok(m, `no status line in ${JSON.stringify(text.slice(0, 80))}`);
  return { status: Number(m[1]), text };
}

describe("static files", { skip: isReference && "a socketio-cpp option" }, () => {
  let server;
  before(async () => {
    mkdirSync(path.join(root, "sub"), { recursive: true });
    for (const [name, body] of Object.entries(files)) writeFileSync(path.join(root, name), body, "latin1");
    writeFileSync(path.join(dir, "outside.txt"), "outside the root");
    writeFileSync(path.join(dir, "client.js"), "/* bundle */");
    symlinkSync(path.join(dir, "outside.txt"), path.join(root, "link-out.txt"));
    symlinkSync(path.join(root, "style.css"), path.join(root, "link-in.css"));
    server = await startServer([
      "--static-root", root,
      "--static-file", `/socket.io/client.js=${path.join(dir, "client.js")}`,
      "--static-file", `/missing.js=${path.join(dir, "nope.js")}`,
    ]);
  });
  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("files under the root, with their content type; / and directories serve index.html", async () => {
    const cases = [
      ["/", files["index.html"], "text/html; charset=utf-8"],
      ["/index.html", files["index.html"], "text/html; charset=utf-8"],
      ["/style.css", files["style.css"], "text/css; charset=utf-8"],
      ["/app.js", files["app.js"], "text/javascript; charset=utf-8"],
      ["/sub/", files["sub/index.html"], "text/html; charset=utf-8"],
      ["/sub", files["sub/index.html"], "text/html; charset=utf-8"],
      ["/sub/data.json", files["sub/data.json"], "application/json"],
      ["/image.PNG", files["image.PNG"], "image/png"],
      ["/blob.bin", files["blob.bin"], "application/octet-stream"],
      ["/app.js?v=3", files["app.js"], "text/javascript; charset=utf-8"],
      ["/link-in.css", files["style.css"], "text/css; charset=utf-8"],
      ["/%73tyle.css", files["style.css"], "text/css; charset=utf-8"],
    ];
    for (const [target, body, type] of cases) {
      const res = await request(server.base + target);
      assert.equal(res.status, 200, target);
      assert.equal(res.body.toString("latin1"), body, target);
      assert.equal(res.headers["content-type"], type, target);
      assert.equal(res.headers["x-content-type-options"], "nosniff", target);
      assert.equal(res.headers["cache-control"], "no-cache", target);
    }
  });

  test("HEAD gets the headers and the length, without a body", async () => {
    const res = await request(`${server.base}/app.js`, { method: "HEAD" });
    assert.equal(res.status, 200);
    assert.equal(res.headers["content-length"], String(files["app.js"].length));
    assert.equal(res.headers["content-type"], "text/javascript; charset=utf-8");
    assert.equal(res.body.length, 0);
  });

  test("a file mounted at an exact path under the Socket.IO path; Socket.IO still answers", async () => {
    const res = await request(`${server.base}/socket.io/client.js`);
    assert.equal(res.status, 200);
    assert.equal(res.text, "/* bundle */");
    assert.equal(res.headers["content-type"], "text/javascript; charset=utf-8");
    const hs = await request(eioUrl({ url: `${server.base}/socket.io/` }, { transport: "polling" }));
    assert.equal(hs.status, 200);
    assert.match(hs.text, /^0\{"sid"/);
    // Only the exact path is mounted; a missing mounted file is 404.
    assert.equal((await request(`${server.base}/socket.io/client.js.map`)).status, 400);
    assert.equal((await request(`${server.base}/missing.js`)).status, 404);
  });

  test("traversal, dot-files, symlinks out of the root, bad escapes and missing files get 404", async () => {
    const targets = [
      "/../outside.txt", "/%2e%2e/outside.txt", "/%2E%2E/outside.txt", "/sub/../../outside.txt",
      "/sub/%2e%2e/%2e%2e/outside.txt", "/..%2foutside.txt", "/.secret", "/%2esecret",
      "/link-out.txt", "/missing.html", "/sub/missing", "/a%00b", "/bad%zzescape", "/bad%2",
      "/..\\outside.txt", "/sub/..%5c..%5coutside.txt", "/./index.html",
    ];
    for (const target of targets) {
      const { status, text } = await rawStatus(server.port, target);
      assert.equal(status, 404, `${target}: ${text.slice(0, 200)}`);
      assert.ok(!text.includes("outside the root") && !text.includes("hidden"), target);
    }
  });

  test("methods other than GET and HEAD get 404", async () => {
    for (const method of ["POST", "PUT", "DELETE", "OPTIONS"]) {
      const res = await request(`${server.base}/index.html`, { method, body: method === "POST" ? "x" : undefined });
      assert.equal(res.status, 404, method);
    }
  });

  test("keep-alive: several file requests on one connection", async () => {
    const c = await rawConnect(server.port);
    const req = (t, close) => `GET ${t} HTTP/1.1\r\nHost: 127.0.0.1\r\n${close ? "Connection: close\r\n" : ""}\r\n`;
    await c.write(req("/style.css") + req("/missing") + req("/app.js", true));
    const text = (await c.ended).toString("latin1");
    assert.deepEqual([...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1])), [200, 404, 200]);
    assert.ok(text.includes(files["style.css"]) && text.includes(files["app.js"]));
  });
});

describe("without static files", { skip: isReference && "a socketio-cpp option" }, () => {
  test("every path outside Socket.IO gets 404, as before", async () => {
    const server = await startServer();
    try {
      for (const target of ["/", "/index.html"]) {
        assert.equal((await request(server.base + target)).status, 404, target);
      }
    } finally {
      await server.stop();
    }
  });
});
