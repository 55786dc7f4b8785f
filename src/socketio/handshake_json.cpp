// The handshake in the form the reference sends to other nodes (fetchSockets responses), and
// back.
#include <array>
#include <ctime>

#include "socketio/types.hpp"

namespace socketio {

namespace {

// JavaScript's Date.prototype.toString in UTC, as a Node node running in UTC writes it:
// "Thu Nov 26 2026 10:39:26 GMT+0000 (Coordinated Universal Time)".
std::string js_date_string(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  std::array<char, 64> buf{};
  const auto n = std::strftime(buf.data(), buf.size(), "%a %b %d %Y %H:%M:%S", &tm);
  return std::string(buf.data(), n) + " GMT+0000 (Coordinated Universal Time)";
}

std::vector<std::pair<std::string, std::string>> string_pairs(const json& object) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!object.is_object()) return out;
  for (const auto& [key, value] : object.items()) {
    out.emplace_back(key, value.is_string() ? value.get<std::string>() : value.dump());
  }
  return out;
}

}  // namespace

json handshake_to_json(const handshake& hs) {
  json headers = json::object();
  for (const auto& [name, value] : hs.headers()) {
    // Repeated headers are joined as Node's IncomingMessage does for most of them.
    auto& slot = headers[name];
    slot = slot.is_string() ? json(slot.get<std::string>() + ", " + value) : json(value);
  }
  json query = json::object();
  for (const auto& [name, value] : hs.query()) {
    if (!query.contains(name)) query[name] = value;
  }
  const auto issued =
      std::chrono::duration_cast<std::chrono::milliseconds>(hs.time().time_since_epoch()).count();
  json j = json::object();
  j["headers"] = std::move(headers);
  j["time"] = js_date_string(hs.time());
  j["address"] = hs.address();
  j["xdomain"] = hs.xdomain();
  j["secure"] = hs.secure();
  j["issued"] = issued;
  j["url"] = hs.url();
  j["query"] = std::move(query);
  j["auth"] = hs.auth;
  return j;
}

handshake handshake_from_json(const json& j) {
  auto request = std::make_shared<request_info>();
  handshake hs;
  if (j.is_object()) {
    request->method = "GET";
    request->headers = string_pairs(j.value("headers", json::object()));
    request->query = string_pairs(j.value("query", json::object()));
    request->url = j.value("url", std::string{});
    request->remote_address = j.value("address", std::string{});
    request->secure = j.value("secure", false);
    if (const auto it = j.find("issued"); it != j.end() && it->is_number()) {
      request->time =
          std::chrono::system_clock::time_point(std::chrono::milliseconds(it->get<std::int64_t>()));
    }
    if (const auto it = j.find("auth"); it != j.end()) hs.auth = *it;
  }
  hs.request = std::move(request);
  return hs;
}

}  // namespace socketio
