// The chat page. Everything the server or another user sends is shown with textContent:
// no HTML from the network is ever parsed.
"use strict";

(() => {
  const PRIVATE = "@private"; // the log of private messages (not a room)
  const MAX_LOG = 500;
  const TYPING_EVERY_MS = 2000;
  const TYPING_IDLE_MS = 3000;
  const TYPING_SHOWN_MS = 5000;

  const $ = (id) => document.getElementById(id);
  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  };

  // Page options: ?transport=polling or ?transport=websocket pins the transport.
  const params = new URLSearchParams(location.search);
  const transportOption = params.get("transport");
  const transports =
    transportOption === "polling" ? ["polling"] :
    transportOption === "websocket" ? ["websocket"] : ["polling", "websocket"];

  // Proves to the server that a reconnection is this page's (its old socket may linger).
  const key = Array.from(crypto.getRandomValues(new Uint8Array(16)),
    (b) => b.toString(16).padStart(2, "0")).join("");

  const state = {
    nickname: "",
    rooms: [],             // joined, in the order shown
    current: "lobby",
    logs: new Map(),       // room -> [li]
    unread: new Map(),     // room -> count
    members: new Map(),    // room -> [nick]
    typing: new Map(),     // room -> Map(nick -> timer)
    lastTypingSent: 0,
    typingIdle: null,
    typingActive: false,
  };
  let socket = null;

  // --- connection state ---------------------------------------------------------------

  function setStatus(s, text) {
    const e = $("status");
    e.dataset.state = s;
    e.textContent = text;
  }
  function setTransport(name) {
    $("transport").textContent = name || "";
    $("transport").dataset.transport = name || "";
  }

  function connect(nickname) {
    state.nickname = nickname;
    $("login-error").textContent = "";
    if (socket) {
      socket.removeAllListeners();
      socket.io.removeAllListeners();
      socket.disconnect();
    }
    socket = io({
      transports,
      // Sent again on every reconnection: the server restores the nickname and rooms.
      auth: (cb) => cb({ nickname: state.nickname, key, rooms: state.rooms }),
      reconnectionDelay: 500,
      reconnectionDelayMax: 3000,
    });
    setStatus("reconnecting", "connecting");

    socket.on("connect", () => {
      setStatus("connected", "connected");
      const engine = socket.io.engine;
      setTransport(engine.transport.name);
      engine.once("upgrade", (t) => setTransport(t.name));
    });
    socket.io.on("reconnect_attempt", (n) => setStatus("reconnecting", `reconnecting (attempt ${n})`));
    socket.on("disconnect", (reason) => {
      setTransport("");
      if (socket.active) {
        setStatus("reconnecting", "reconnecting");
      } else {
        setStatus("offline", "disconnected");
      }
    });
    socket.on("connect_error", (err) => {
      if (socket.active) {
        setStatus("reconnecting", "reconnecting");
        return;
      }
      // Refused by the server's middleware: show its message and ask again.
      setStatus("offline", "not connected");
      showLogin(err.message);
    });

    socket.on("welcome", (w) => {
      if (!w || typeof w.nickname !== "string" || !Array.isArray(w.rooms)) return;
      state.nickname = w.nickname;
      state.rooms = w.rooms.filter((r) => typeof r === "string");
      if (!state.rooms.includes(state.current)) state.current = state.rooms[0] || "lobby";
      $("me").textContent = w.nickname;
      $("login").hidden = true;
      $("chat").hidden = false;
      hideBanner();
      renderRooms();
      renderRoom();
      $("text").focus();
    });

    socket.on("message", (m) => {
      if (!m || typeof m.room !== "string") return;
      stopTyping(m.room, m.from);
      addEntry(m.room, messageEntry(m.from, m.text, m.time));
    });
    socket.on("private", (m) => {
      if (!m) return;
      addEntry(PRIVATE, messageEntry(`${m.from} → ${m.to}`, m.text, m.time, "private"));
    });
    socket.on("notice", (n) => {
      if (!n || typeof n.room !== "string") return;
      addEntry(n.room, el("li", "notice", String(n.text)));
    });
    socket.on("members", (m) => {
      if (!m || typeof m.room !== "string" || !Array.isArray(m.members)) return;
      state.members.set(m.room, m.members.map(String));
      if (m.room === state.current) renderMembers();
    });
    socket.on("typing", (t) => {
      if (!t || typeof t.room !== "string" || typeof t.nickname !== "string") return;
      if (t.typing) startTyping(t.room, t.nickname);
      else stopTyping(t.room, t.nickname);
    });
    socket.on("slow_down", (n) => showBanner(String(n && n.text), "warn"));
    socket.on("kicked", (n) => {
      const text = String(n && n.text);
      showBanner(text, "error");
      addEntry(state.current, el("li", "notice", text));
    });
  }

  function showLogin(error) {
    $("chat").hidden = true;
    $("login").hidden = false;
    $("nickname").value = state.nickname;
    $("login-error").textContent = error || "";
    $("nickname").focus();
  }

  function showBanner(text, kind) {
    const b = $("banner");
    b.textContent = text;
    b.className = `banner ${kind}`;
    b.dataset.kind = kind;
    b.hidden = false;
  }
  function hideBanner() {
    $("banner").hidden = true;
    $("banner").textContent = "";
  }

  // --- rendering ----------------------------------------------------------------------

  function formatTime(ms) {
    const d = typeof ms === "number" ? new Date(ms) : new Date();
    return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function messageEntry(from, text, time, cls = "message") {
    const li = el("li", cls);
    li.append(el("span", "time", formatTime(time)), el("span", "from", String(from)),
      el("span", "text", String(text)));
    return li;
  }

  function addEntry(room, li) {
    if (!state.logs.has(room)) state.logs.set(room, []);
    const entries = state.logs.get(room);
    entries.push(li);
    if (entries.length > MAX_LOG) entries.shift().remove();
    if (room === state.current) {
      const log = $("log");
      const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
      log.append(li);
      if (atBottom) log.scrollTop = log.scrollHeight;
    } else {
      state.unread.set(room, (state.unread.get(room) || 0) + 1);
      renderRooms();
    }
  }

  function roomItem(room, label, leavable) {
    const li = el("li");
    li.dataset.room = room;
    if (room === state.current) li.classList.add("current");
    const name = el("button", "room-name", label);
    name.type = "button";
    name.addEventListener("click", () => switchRoom(room));
    li.append(name, el("span", "unread", state.unread.get(room) ? String(state.unread.get(room)) : ""));
    if (leavable) {
      const leave = el("button", "leave", "×");
      leave.type = "button";
      leave.title = `leave ${room}`;
      leave.addEventListener("click", () => leaveRoom(room));
      li.append(leave);
    }
    return li;
  }

  function renderRooms() {
    const list = $("rooms");
    list.replaceChildren(...state.rooms.map((r) => roomItem(r, `# ${r}`, state.rooms.length > 1)),
      roomItem(PRIVATE, "✉ private messages", false));
  }

  function renderMembers() {
    const names = state.current === PRIVATE ? [] : state.members.get(state.current) || [];
    $("members").replaceChildren(...names.map((n) => {
      const li = el("li", "member", n);
      li.addEventListener("click", () => {
        if (n === state.nickname) return;
        $("text").value = `/msg ${n} `;
        $("text").focus();
      });
      return li;
    }));
  }

  function renderTyping() {
    const names = [...(state.typing.get(state.current) || new Map()).keys()];
    $("typing").textContent =
      names.length === 0 ? "" :
      names.length === 1 ? `${names[0]} is typing…` : `${names.join(", ")} are typing…`;
  }

  function renderRoom() {
    $("room-title").textContent = state.current === PRIVATE ? "Private messages" : `# ${state.current}`;
    $("log").replaceChildren(...(state.logs.get(state.current) || []));
    $("log").scrollTop = $("log").scrollHeight;
    renderMembers();
    renderTyping();
  }

  function switchRoom(room) {
    state.current = room;
    state.unread.delete(room);
    renderRooms();
    renderRoom();
  }

  // --- typing -------------------------------------------------------------------------

  function startTyping(room, nick) {
    if (!state.typing.has(room)) state.typing.set(room, new Map());
    const m = state.typing.get(room);
    clearTimeout(m.get(nick));
    m.set(nick, setTimeout(() => stopTyping(room, nick), TYPING_SHOWN_MS));
    if (room === state.current) renderTyping();
  }
  function stopTyping(room, nick) {
    const m = state.typing.get(room);
    if (!m || !m.has(nick)) return;
    clearTimeout(m.get(nick));
    m.delete(nick);
    if (room === state.current) renderTyping();
  }

  // Sends only changes, and "typing" at most every 2 s: each event costs from the rate.
  function sendTyping(typing) {
    if (!typing && !state.typingActive) return;
    state.typingActive = typing;
    if (!socket || !socket.connected || state.current === PRIVATE) return;
    socket.emit("typing", { room: state.current, typing });
  }

  $("text").addEventListener("input", () => {
    const now = Date.now();
    if ($("text").value.startsWith("/")) return;
    if (now - state.lastTypingSent > TYPING_EVERY_MS) {
      state.lastTypingSent = now;
      sendTyping(true);
    }
    clearTimeout(state.typingIdle);
    state.typingIdle = setTimeout(() => {
      state.lastTypingSent = 0;
      sendTyping(false);
    }, TYPING_IDLE_MS);
  });

  // --- sending ------------------------------------------------------------------------

  function setDelivery(li, s, text) {
    const e = li.querySelector(".state");
    e.dataset.state = s;
    e.textContent = text;
  }

  function send(event, payload, room, label) {
    const li = messageEntry(label, payload.text, Date.now(), event === "private" ? "private own" : "message own");
    li.append(el("span", "state"));
    // "sent" once it left this page, "queued" while offline (the client sends it on
    // reconnection), "delivered" when the server acknowledged it.
    setDelivery(li, socket.connected ? "sent" : "queued", socket.connected ? "sent" : "queued");
    addEntry(room, li);
    socket.timeout(10000).emit(event, payload, (err, res) => {
      if (err) setDelivery(li, "failed", "not delivered (no answer)");
      else if (res && res.ok) setDelivery(li, "delivered", "delivered");
      else setDelivery(li, "failed", `not delivered: ${res && res.error}`);
    });
  }

  $("send-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const input = $("text");
    const value = input.value.trim();
    if (!value || !socket) return;
    const pm = /^\/msg\s+(\S+)\s+([\s\S]+)$/.exec(value);
    if (pm) {
      send("private", { to: pm[1], text: pm[2] }, PRIVATE, `${state.nickname} → ${pm[1]}`);
    } else if (value.startsWith("/")) {
      addEntry(state.current, el("li", "notice", "Commands: /msg nickname text"));
      return;
    } else if (state.current === PRIVATE) {
      addEntry(PRIVATE, el("li", "notice", "Send private messages with /msg nickname text"));
      return;
    } else {
      send("message", { room: state.current, text: value }, state.current, state.nickname);
      clearTimeout(state.typingIdle);
      state.lastTypingSent = 0;
      sendTyping(false);
    }
    input.value = "";
  });

  // --- rooms --------------------------------------------------------------------------

  $("join-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const room = $("room-input").value.trim();
    if (!room || !socket) return;
    socket.timeout(10000).emit("join", room, (err, res) => {
      if (err || !res || !res.ok) {
        $("room-error").textContent = err ? "no answer from the server" : String(res && res.error);
        return;
      }
      $("room-error").textContent = "";
      $("room-input").value = "";
      if (!state.rooms.includes(res.room)) state.rooms.push(res.room);
      switchRoom(res.room);
    });
  });

  function leaveRoom(room) {
    socket.timeout(10000).emit("leave", room, (err, res) => {
      if (err || !res || !res.ok) {
        $("room-error").textContent = err ? "no answer from the server" : String(res && res.error);
        return;
      }
      state.rooms = state.rooms.filter((r) => r !== room);
      state.members.delete(room);
      if (state.current === room) state.current = state.rooms[0];
      renderRooms();
      renderRoom();
    });
  }

  // --- login --------------------------------------------------------------------------

  $("login-form").addEventListener("submit", (e) => {
    e.preventDefault();
    connect($("nickname").value.trim());
  });
})();
