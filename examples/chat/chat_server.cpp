#include "chat_server.hpp"

#include <algorithm>
#include <chrono>
#include <random>
#include <set>
#include <vector>

#include "rate_limiter.hpp"
#include "validation.hpp"

namespace chat {

namespace {

using socketio::json;

// Chat rooms live under a prefix: a socket's own room is its id, and a client must not be
// able to join another client's private room by naming it.
std::string room_key(const std::string& room) {
  return "room:" + room;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void reply_error(const socketio::ack& ack, const std::string& message) {
  if (ack) ack(json{{"ok", false}, {"error", message}});
}

// The event's single object argument, or null.
const json* object_arg(const socketio::args& a) {
  return !a.empty() && a.front().is_object() ? &a.front() : nullptr;
}

const json& field(const json& obj, const char* name) {
  static const json none;
  const auto it = obj.find(name);
  return it == obj.end() ? none : *it;
}

}  // namespace

// Per-connection state. Handlers of one socket run one at a time on its strand, so this
// needs no lock.
struct chat_server::user {
  std::string nickname;
  std::string folded;
  std::set<std::string> rooms;
  // Bursts of 10 events, then 2 a second; 10 excess events in a row disconnect.
  rate_limiter limiter{10, 2, 10};
  bool kicked = false;
};

chat_server::chat_server(socketio::server& io) : io_(io) {
  std::random_device rd;
  node_prefix_ = std::to_string(rd() % 1000000u) + "-";
  io_.use([this](socketio::socket s, auto next) { authenticate(std::move(s), std::move(next)); });
  io_.on_connection([this](socketio::socket s) { on_connection(std::move(s)); });
}

bool chat_server::reserve(const std::string& folded, const std::string& socket_id,
                          const std::string& key) {
  std::lock_guard lock(mutex_);
  const auto it = reserved_.find(folded);
  if (it != reserved_.end() && it->second.socket_id != socket_id &&
      (key.empty() || it->second.key != key)) {
    return false;
  }
  reserved_[folded] = holder{socket_id, key};
  return true;
}

void chat_server::release(const std::string& folded, const std::string& socket_id) {
  std::lock_guard lock(mutex_);
  const auto it = reserved_.find(folded);
  if (it != reserved_.end() && it->second.socket_id == socket_id) reserved_.erase(it);
}

void chat_server::authenticate(socketio::socket s,
                               std::function<void(std::optional<socketio::connect_error>)> next) {
  const auto auth = s.handshake().auth;
  const auto nick = check_nickname(auth.is_object() ? field(auth, "nickname") : json());
  if (!nick.value) return next(socketio::connect_error{nick.error, std::nullopt});
  // The key proves that a reconnecting page is the one that held the nickname before (its
  // old socket may not have timed out yet); it is never sent to other clients.
  std::string key;
  if (const auto& k = field(auth, "key");
      k.is_string() && k.get_ref<const std::string&>().size() <= 64) {
    key = k.get<std::string>();
  }
  // Rooms to rejoin after a reconnection; invalid names are skipped, the lobby is the default.
  json rooms = json::array();
  if (const auto& r = field(auth, "rooms"); r.is_array()) {
    for (const auto& name : r) {
      const auto room = check_room(name);
      if (room.value && rooms.size() < max_rooms_per_user &&
          std::find(rooms.begin(), rooms.end(), *room.value) == rooms.end()) {
        rooms.push_back(*room.value);
      }
    }
  }
  if (rooms.empty()) rooms.push_back(lobby);

  const auto folded = fold_case(*nick.value);
  const auto taken =
      socketio::connect_error{"nickname \"" + *nick.value + "\" is taken", std::nullopt};
  if (!reserve(folded, s.id(), key)) return next(taken);
  // Every node's sockets: the nickname must be unique in the whole cluster.
  io_.fetch_sockets(
      [this, s, nick = *nick.value, folded, key, rooms, taken, next = std::move(next)](
          std::optional<socketio::ack_error>, std::vector<socketio::remote_socket> sockets) {
        for (const auto& other : sockets) {
          if (other.id == s.id() || !other.data.is_object()) continue;
          const auto& other_nick = field(other.data, "nickname");
          if (!other_nick.is_string() || fold_case(other_nick.get<std::string>()) != folded)
            continue;
          if (!key.empty() && field(other.data, "key") == key) {
            other.disconnect(true);  // the same page's previous connection: replace it
            continue;
          }
          release(folded, s.id());
          return next(taken);
        }
        s.set_data(json{{"nickname", nick}, {"key", key}, {"rooms", rooms}});
        next(std::nullopt);
      });
}

void chat_server::on_connection(socketio::socket s) {
  const auto data = s.data();
  auto u = std::make_shared<user>();
  u->nickname = data.value("nickname", "");
  u->folded = fold_case(u->nickname);
  for (const auto& room : data.value("rooms", json::array()))
    join(s, u, room.get<std::string>(), true);
  s.emit("welcome",
         json{{"nickname", u->nickname},
              {"rooms", json(std::vector<std::string>(u->rooms.begin(), u->rooms.end()))}});

  s.on("message", [this, s, u](const socketio::args& a, socketio::ack ack) {
    if (!within_rate(s, *u, 1, ack)) return;
    const auto* obj = object_arg(a);
    if (!obj) return reply_error(ack, "bad request");
    const auto room = check_room(field(*obj, "room"));
    if (!room.value || !u->rooms.contains(*room.value)) return reply_error(ack, "not in that room");
    const auto text = check_text(field(*obj, "text"));
    if (!text.value) return reply_error(ack, text.error);
    const auto id = next_message_id();
    const auto time = now_ms();
    s.to(room_key(*room.value))
        .emit("message", json{{"id", id},
                              {"room", *room.value},
                              {"from", u->nickname},
                              {"text", *text.value},
                              {"time", time}});
    if (ack) ack(json{{"ok", true}, {"id", id}, {"time", time}});
  });

  s.on("typing", [this, s, u](const socketio::args& a, socketio::ack ack) {
    if (!within_rate(s, *u, 0.5, ack)) return;
    const auto* obj = object_arg(a);
    if (!obj) return;
    const auto room = check_room(field(*obj, "room"));
    if (!room.value || !u->rooms.contains(*room.value)) return;
    const bool typing = field(*obj, "typing").is_boolean() && field(*obj, "typing").get<bool>();
    // Volatile: a typing hint that cannot be sent right away is worth nothing later.
    s.to(room_key(*room.value))
        .volatile_()
        .emit("typing", json{{"room", *room.value}, {"nickname", u->nickname}, {"typing", typing}});
  });

  s.on("join", [this, s, u](const socketio::args& a, socketio::ack ack) {
    if (!within_rate(s, *u, 1, ack)) return;
    const auto room = check_room(a.empty() ? json() : a.front());
    if (!room.value) return reply_error(ack, room.error);
    if (!u->rooms.contains(*room.value) && u->rooms.size() >= max_rooms_per_user) {
      return reply_error(ack, "at most 10 rooms");
    }
    join(s, u, *room.value, true);
    if (ack) ack(json{{"ok", true}, {"room", *room.value}});
  });

  s.on("leave", [this, s, u](const socketio::args& a, socketio::ack ack) {
    if (!within_rate(s, *u, 1, ack)) return;
    const auto room = check_room(a.empty() ? json() : a.front());
    if (!room.value || !u->rooms.contains(*room.value)) return reply_error(ack, "not in that room");
    if (u->rooms.size() == 1) return reply_error(ack, "you cannot leave your last room");
    s.leave(room_key(*room.value));
    u->rooms.erase(*room.value);
    io_.to(room_key(*room.value))
        .emit("notice", json{{"room", *room.value}, {"text", u->nickname + " left"}});
    refresh_members(*room.value);
    if (ack) ack(json{{"ok", true}, {"room", *room.value}});
  });

  s.on("private", [this, s, u](const socketio::args& a, socketio::ack ack) {
    if (!within_rate(s, *u, 1, ack)) return;
    const auto* obj = object_arg(a);
    if (!obj) return reply_error(ack, "bad request");
    const auto to = check_nickname(field(*obj, "to"));
    if (!to.value) return reply_error(ack, "no such user");
    if (fold_case(*to.value) == u->folded) return reply_error(ack, "that is you");
    const auto text = check_text(field(*obj, "text"));
    if (!text.value) return reply_error(ack, text.error);
    const json msg{{"id", next_message_id()},
                   {"from", u->nickname},
                   {"to", *to.value},
                   {"text", *text.value},
                   {"time", now_ms()}};
    // The recipient may be on any node: look it up through the adapter.
    io_.fetch_sockets(
        [u, to = fold_case(*to.value), name = *to.value, msg, ack](
            std::optional<socketio::ack_error>, std::vector<socketio::remote_socket> sockets) {
          for (const auto& other : sockets) {
            const auto& nick = field(other.data, "nickname");
            if (nick.is_string() && fold_case(nick.get<std::string>()) == to) {
              other.emit("private", msg);
              if (ack) ack(json{{"ok", true}, {"id", msg["id"]}, {"time", msg["time"]}});
              return;
            }
          }
          reply_error(ack, "no user named \"" + name + "\" is online");
        });
  });

  s.on_disconnect([this, u, id = s.id()](const std::string&) {
    release(u->folded, id);
    for (const auto& room : u->rooms) {
      io_.to(room_key(room)).emit("notice", json{{"room", room}, {"text", u->nickname + " left"}});
      refresh_members(room);
    }
  });
}

void chat_server::join(const socketio::socket& s, const std::shared_ptr<user>& u,
                       const std::string& room, bool announce) {
  if (u->rooms.contains(room)) return;
  s.join(room_key(room));
  u->rooms.insert(room);
  if (announce) {
    s.to(room_key(room)).emit("notice", json{{"room", room}, {"text", u->nickname + " joined"}});
  }
  refresh_members(room);
}

void chat_server::refresh_members(const std::string& room) {
  io_.in(room_key(room)).fetch_sockets([this, room](std::vector<socketio::remote_socket> sockets) {
    std::set<std::string> names;
    for (const auto& other : sockets) {
      const auto& nick = field(other.data, "nickname");
      if (nick.is_string()) names.insert(nick.get<std::string>());
    }
    io_.to(room_key(room))
        .emit("members",
              json{{"room", room},
                   {"members", json(std::vector<std::string>(names.begin(), names.end()))}});
  });
}

bool chat_server::within_rate(const socketio::socket& s, user& u, double cost,
                              const socketio::ack& ack) {
  if (u.kicked) return false;
  switch (u.limiter.take(cost)) {
    case rate_limiter::verdict::allow:
      return true;
    case rate_limiter::verdict::slow_down:
      s.emit("slow_down", json{{"text", "You are sending too fast: slow down."}});
      reply_error(ack, "rate limited");
      return false;
    case rate_limiter::verdict::drop:
      reply_error(ack, "rate limited");
      return false;
    case rate_limiter::verdict::kick:
      u.kicked = true;
      reply_error(ack, "rate limited");
      // Queued before the DISCONNECT packet, so the page sees why it was disconnected.
      s.emit("kicked", json{{"text", "Disconnected for flooding the chat."}});
      s.disconnect();
      return false;
  }
  return false;
}

std::string chat_server::next_message_id() {
  std::lock_guard lock(mutex_);
  return node_prefix_ + std::to_string(++message_counter_);
}

}  // namespace chat
