// A minimal Socket.IO v5 client over Engine.IO v4 on a plain `ws` WebSocket, shared by the
// cluster load generator (cluster-load.mjs), the sanity check (verify.mjs) and the idle
// connections of the memory measurement (memory/idle-clients.mjs): it costs
// little per connection and per message, so that the servers, not the generator, are what the
// cluster benchmark measures.
//
// `onEvent(name, args)` gets every EVENT packet, parsed. `onRawEvent(text)`, when given,
// gets the packet text (`42[...]`) instead and parses it itself, for receivers that only
// need a field or two of a high-rate stream.

import WebSocket from "ws";

export class RawClient {
  /** `localAddress`: the source address to connect from (127.0.0.x), or the system's choice. */
  constructor(port, { onEvent, onRawEvent, localAddress } = {}) {
    this.port = port;
    this.localAddress = localAddress;
    this.onEvent = onEvent ?? null;
    this.onRawEvent = onRawEvent ?? null;
    this.ws = null;
    this.sid = null;
    this.connected = false;
    this.closed = false;
    this.closeReason = null;
    this.nextAck = 0;
    this.acks = new Map();
    this.pings = 0;
    this.errors = [];
  }

  /** Opens the WebSocket, waits for the Engine.IO OPEN, sends CONNECT, waits for `40{sid}`. */
  connect(timeoutMs = 10000) {
    return new Promise((resolve, reject) => {
      const url = `ws://127.0.0.1:${this.port}/socket.io/?EIO=4&transport=websocket`;
      const ws = new WebSocket(url, {
        perMessageDeflate: false,
        skipUTF8Validation: true,
        ...(this.localAddress ? { localAddress: this.localAddress } : {}),
      });
      this.ws = ws;
      let settled = false;
      const done = (err) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) {
          this.errors.push(String(err.message ?? err));
          try { ws.terminate(); } catch { /* already gone */ }
          reject(err);
        } else {
          resolve(this);
        }
      };
      const timer = setTimeout(() => done(new Error("connect timeout")), timeoutMs);
      ws.on("message", (data, isBinary) => {
        if (isBinary) {
          this.errors.push("unexpected binary frame");
          return;
        }
        const s = data.toString();
        switch (s.charCodeAt(0)) {
          case 0x30: // 0: Engine.IO open
            ws.send("40");
            break;
          case 0x32: // 2: ping
            this.pings++;
            ws.send("3");
            break;
          case 0x31: // 1: close
            this.closeReason = "engine close";
            break;
          case 0x34: // 4: message -> Socket.IO packet
            this.onPacket(s, done);
            break;
          default:
            this.errors.push(`unexpected packet ${s.slice(0, 20)}`);
        }
      });
      ws.on("error", (err) => {
        this.errors.push(String(err.message ?? err));
        done(err);
      });
      ws.on("close", (code) => {
        this.closed = true;
        this.connected = false;
        this.closeReason ??= `ws close ${code}`;
        for (const [, a] of this.acks) a.reject(new Error(`closed (${this.closeReason})`));
        this.acks.clear();
        done(new Error(`closed before CONNECT (${this.closeReason})`));
      });
    });
  }

  onPacket(s, connectDone) {
    const type = s.charCodeAt(1);
    if (type === 0x32) {
      // 42: EVENT (no ack id expected from these servers)
      if (this.onRawEvent) {
        this.onRawEvent(s);
      } else if (this.onEvent) {
        const arr = JSON.parse(s.slice(2));
        this.onEvent(arr[0], arr.slice(1));
      }
    } else if (type === 0x33) {
      // 43<id>[...]: ACK
      let i = 2;
      while (i < s.length && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39) i++;
      const id = Number(s.slice(2, i));
      const a = this.acks.get(id);
      if (!a) {
        this.errors.push(`unknown ack ${id}`);
        return;
      }
      this.acks.delete(id);
      a.resolve(JSON.parse(s.slice(i)));
    } else if (type === 0x30) {
      // 40{"sid":...}: CONNECT ok
      this.sid = JSON.parse(s.slice(2)).sid;
      this.connected = true;
      connectDone(null);
    } else if (type === 0x34) {
      connectDone(new Error(`connect_error ${s.slice(2)}`));
    } else if (type === 0x31) {
      this.closeReason = "server disconnect";
      this.connected = false;
    } else {
      this.errors.push(`unexpected Socket.IO packet ${s.slice(0, 20)}`);
    }
  }

  /** Emits an event; resolves with the ack's arguments (an array). */
  emitWithAck(name, ...args) {
    return new Promise((resolve, reject) => {
      if (!this.connected) {
        reject(new Error("not connected"));
        return;
      }
      const id = this.nextAck++;
      this.acks.set(id, { resolve, reject });
      this.ws.send(`42${id}${JSON.stringify([name, ...args])}`);
    });
  }

  close() {
    if (this.ws && !this.closed) this.ws.terminate();
  }
}
