// Socket.IO v5 packet encoder and validating decoder (docs/PROTOCOL.md 2.1-2.3, 2.7, 2.8). The
// decoder follows the socket.io-parser 4.2.7 algorithm step by step (2.2), minus the quirks
// that the protocol notes mark as not worth copying; deviations are called out where they are.
#include "socketio/detail/parser.hpp"
#include "socketio/detail/reserved_names.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <utility>

namespace socketio::detail {

namespace {

/// Deepest array/object nesting accepted from a client. nlohmann's dump() and our own
/// placeholder walk recurse once per level, so hostile input such as 100k `[` must be refused
/// before it is parsed (docs/PROTOCOL.md 2.7: anything the decoder rejects closes the connection).
constexpr std::size_t max_nesting_depth = 64;

constexpr std::string_view placeholder_key = "_placeholder";
constexpr std::string_view num_key = "num";

constexpr bool is_event_type(sio_packet_type type) {
  return type == sio_packet_type::event || type == sio_packet_type::binary_event;
}

constexpr bool is_ack_type(sio_packet_type type) {
  return type == sio_packet_type::ack || type == sio_packet_type::binary_ack;
}

constexpr bool is_binary_type(sio_packet_type type) {
  return type == sio_packet_type::binary_event || type == sio_packet_type::binary_ack;
}

// ---------------------------------------------------------------------------------------------
// Encoding

/// Early-exit scan so the common event without binary is serialised straight from the
/// caller's value, with no copy (docs/PROTOCOL.md 2.3: types 5/6 only when binary is present).
bool contains_binary(const json& value) {
  switch (value.type()) {
    case json::value_t::binary:
      return true;
    case json::value_t::array:
    case json::value_t::object:
      for (const auto& child : value) {
        if (contains_binary(child)) return true;
      }
      return false;
    default:
      return false;
  }
}

json make_placeholder(std::size_t num) {
  // Built key by key: ordered_json keeps insertion order, and the reference writes exactly
  // `{"_placeholder":true,"num":i}` (docs/PROTOCOL.md 2.3).
  json placeholder = json::object();
  placeholder[std::string(placeholder_key)] = true;
  placeholder[std::string(num_key)] = num;
  return placeholder;
}

/// Returns a copy of `value` in which every binary value becomes a placeholder, numbered
/// depth-first in document order, and its bytes are appended to `attachments`. Building the
/// copy directly (rather than copying then patching) copies each attachment's bytes once.
json strip_binaries(const json& value, std::vector<std::string>& attachments) {
  switch (value.type()) {
    case json::value_t::binary: {
      const auto& bytes = value.get_binary();
      attachments.emplace_back(reinterpret_cast<const char*>(bytes.data()), bytes.size());
      return make_placeholder(attachments.size() - 1);
    }
    case json::value_t::array: {
      json result = json::array();
      auto& elements = result.get_ref<json::array_t&>();
      elements.reserve(value.size());
      for (const auto& child : value)
        elements.push_back(strip_binaries(child, attachments));
      return result;
    }
    case json::value_t::object: {
      json result = json::object();
      auto& members = result.get_ref<json::object_t&>();
      members.reserve(value.size());
      // The source keys are already unique, so append to ordered_map's underlying vector
      // instead of going through its linear-search insert (quadratic on wide objects).
      for (const auto& [key, child] : value.items()) {
        members.emplace_back(key, strip_binaries(child, attachments));
      }
      return result;
    }
    default:
      return value;
  }
}

void append_decimal(std::string& out, std::uint64_t number) {
  std::array<char, std::numeric_limits<std::uint64_t>::digits10 + 1> digits{};
  const auto [end, ec] = std::to_chars(digits.data(), digits.data() + digits.size(), number);
  (void)ec;  // Cannot fail: the buffer holds every uint64 value.
  out.append(digits.data(), end);
}

// ---------------------------------------------------------------------------------------------
// Decoding

/// JSON.stringify writes a lone UTF-16 surrogate (a string cut inside an emoji, say) as a
/// `\uD8xx` escape, which nlohmann refuses: the reference accepts it. Lone surrogate escapes
/// become `\uFFFD` here so such a packet is delivered (with U+FFFD) instead of closing the
/// connection. Returns nullopt when there is nothing to replace (the common case).
std::optional<std::string> replace_lone_surrogates(std::string_view text) {
  auto hex_at = [&](std::size_t i) -> int {
    if (i + 4 > text.size()) return -1;
    int v = 0;
    for (std::size_t k = i; k < i + 4; ++k) {
      const char c = text[k];
      int d = -1;
      if (c >= '0' && c <= '9') d = c - '0';
      if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
      if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
      if (d < 0) return -1;
      v = v * 16 + d;
    }
    return v;
  };
  // The code unit of a `\uXXXX` escape starting at i (the backslash), or -1.
  auto unit_at = [&](std::size_t i) -> int {
    if (i + 1 >= text.size() || text[i] != '\\' || text[i + 1] != 'u') return -1;
    return hex_at(i + 2);
  };
  std::optional<std::string> out;
  std::size_t copied = 0;  // text before this index is already in `out`
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') continue;
    if (i + 1 < text.size() && text[i + 1] != 'u') {
      ++i;  // a two-character escape such as \\ or \"
      continue;
    }
    const int unit = unit_at(i);
    if (unit < 0) continue;  // malformed: the JSON parser reports it
    bool lone = false;
    if (unit >= 0xD800 && unit <= 0xDBFF) {
      const int next = unit_at(i + 6);
      if (next >= 0xDC00 && next <= 0xDFFF) {
        i += 11;  // a valid pair: keep both escapes
        continue;
      }
      lone = true;
    } else if (unit >= 0xDC00 && unit <= 0xDFFF) {
      lone = true;
    }
    if (lone) {
      if (!out) out.emplace();
      out->append(text.substr(copied, i - copied));
      out->append("\\ufffd");
      copied = i + 6;
    }
    i += 5;
  }
  if (out) out->append(text.substr(copied));
  return out;
}

/// Counts `[`/`{` outside strings (honouring backslash escapes) and fails as soon as the depth
/// exceeds the limit. Unbalanced or otherwise broken input is left for the JSON parser.
bool nesting_within_limit(std::string_view text) {
  std::size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (++depth > max_nesting_depth) return false;
        break;
      case ']':
      case '}':
        if (depth > 0) --depth;
        break;
      default:
        break;
    }
  }
  return true;
}

/// The type check of the reference (`isPayloadValid`, docs/PROTOCOL.md 2.1 and 2.7). CONNECT_ERROR
/// is held to an object here; clients may never send it anyway (2.4), so the caller rejects it.
bool payload_valid(sio_packet_type type, const json& payload) {
  switch (type) {
    case sio_packet_type::connect:
    case sio_packet_type::connect_error:
      return payload.is_object();
    case sio_packet_type::disconnect:
      return false;  // 2.5: a DISCONNECT carrying anything is fatal.
    case sio_packet_type::event:
    case sio_packet_type::binary_event: {
      if (!payload.is_array() || payload.empty()) return false;
      const json& name = payload.front();
      if (name.is_number()) return true;  // 2.7: numeric event names are accepted.
      return name.is_string() && !is_reserved_event(name.get_ref<const json::string_t&>());
    }
    case sio_packet_type::ack:
    case sio_packet_type::binary_ack:
      return payload.is_array();
  }
  return false;
}

/// Reads a placeholder's `num` as an attachment index. The reference only checks
/// `typeof num === "number"` and the range, so an integral float such as `1.0` is accepted;
/// a fractional one would index nothing in JavaScript and is refused here.
std::optional<std::size_t> placeholder_index(const json& num, std::size_t count) {
  switch (num.type()) {
    case json::value_t::number_unsigned: {
      const auto index = num.get<std::uint64_t>();
      if (index < count) return static_cast<std::size_t>(index);
      return std::nullopt;
    }
    case json::value_t::number_integer: {
      const auto index = num.get<std::int64_t>();
      if (index >= 0 && static_cast<std::uint64_t>(index) < count) {
        return static_cast<std::size_t>(index);
      }
      return std::nullopt;
    }
    case json::value_t::number_float: {
      const auto index = num.get<double>();
      if (index >= 0.0 && index < static_cast<double>(count) && std::floor(index) == index) {
        return static_cast<std::size_t>(index);
      }
      return std::nullopt;
    }
    default:
      return std::nullopt;
  }
}

/// Replaces every placeholder with its attachment (docs/PROTOCOL.md 2.3). Like the reference, any
/// object whose `_placeholder` is exactly `true` counts as a placeholder; a bad or missing
/// `num` makes the whole packet invalid. Recursion is bounded by `max_nesting_depth`.
bool fill_placeholders(json& value, const std::vector<std::string>& attachments) {
  if (value.is_object()) {
    const auto marker = value.find(placeholder_key);
    if (marker != value.end() && marker->is_boolean() && marker->get<bool>()) {
      const auto num = value.find(num_key);
      if (num == value.end()) return false;
      const auto index = placeholder_index(*num, attachments.size());
      if (!index) return false;
      const std::string& bytes = attachments[*index];
      const auto* first = reinterpret_cast<const std::uint8_t*>(bytes.data());
      value = json::binary(json::binary_t::container_type(first, first + bytes.size()));
      return true;
    }
  }
  if (value.is_object() || value.is_array()) {
    for (auto& child : value) {
      if (!fill_placeholders(child, attachments)) return false;
    }
  }
  return true;
}

constexpr bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

}  // namespace

encoded_packet encode_packet(const sio_packet& packet) {
  encoded_packet out;
  sio_packet_type type = packet.type;
  const bool has_data = !packet.data.is_discarded();

  // Fast path: `body` points at the caller's value; only a payload with binary is rebuilt.
  const json* body = &packet.data;
  json stripped;
  if (is_event_type(type) || is_ack_type(type)) {
    const bool binary = has_data && contains_binary(packet.data);
    if (binary) {
      stripped = strip_binaries(packet.data, out.attachments);
      body = &stripped;
    }
    // docs/PROTOCOL.md 2.3: the binary variants only when binary is present, whatever was asked.
    if (is_event_type(type)) {
      type = binary ? sio_packet_type::binary_event : sio_packet_type::event;
    } else {
      type = binary ? sio_packet_type::binary_ack : sio_packet_type::ack;
    }
  }

  // Header: `<type>[<n>-][<nsp>,][<id>]` (docs/PROTOCOL.md 2.2). For the usual main-namespace event
  // this is one character and stays in the small-string buffer.
  std::string header;
  header.push_back(static_cast<char>('0' + static_cast<int>(type)));
  if (is_binary_type(type)) {
    append_decimal(header, out.attachments.size());
    header.push_back('-');
  }
  // The main namespace is never written (an empty one is treated alike, as the reference's
  // truthiness test does); any other is always followed by ','.
  if (!packet.nsp.empty() && packet.nsp != "/") {
    header.append(packet.nsp);
    header.push_back(',');
  }
  if (packet.id) append_decimal(header, *packet.id);

  if (!has_data) {
    out.text = std::move(header);
    return out;
  }
  // JSON.stringify style: compact, raw UTF-8, invalid UTF-8 replaced so dump() cannot throw.
  // Dumping first and inserting the short header usually reuses the dump's spare capacity.
  out.text = body->dump(-1, ' ', false, json::error_handler_t::replace);
  out.text.insert(0, header);
  return out;
}

sio_decoder::result sio_decoder::feed_text(std::string_view text, sio_packet& out) {
  // docs/PROTOCOL.md 2.3: a text message while attachments are outstanding is fatal.
  if (pending_) return result::error;

  // Step 1: the type digit. (The reference's `Number("")` makes an empty message a CONNECT;
  // that quirk is not copied.)
  if (text.empty() || text.front() < '0' || text.front() > '6') return result::error;
  sio_packet packet;
  packet.type = static_cast<sio_packet_type>(text.front() - '0');
  std::size_t pos = 1;

  // Step 2: `<n>-` for binary types: decimal digits only, 1..max_attachments, '-' required.
  std::size_t attachment_count = 0;
  if (is_binary_type(packet.type)) {
    const std::size_t dash = text.find('-', pos);
    if (dash == std::string_view::npos || dash == pos) return result::error;
    for (; pos < dash; ++pos) {
      if (!is_digit(text[pos])) return result::error;
      attachment_count = attachment_count * 10 + static_cast<std::size_t>(text[pos] - '0');
      // Checked per digit so a long run of digits cannot overflow.
      if (attachment_count > max_attachments_) return result::error;
    }
    if (attachment_count < 1) return result::error;
    pos = dash + 1;
  }

  // Step 3: the namespace runs to the first ',' or to the end, so `0/custom` is accepted.
  if (pos < text.size() && text[pos] == '/') {
    const std::size_t comma = text.find(',', pos);
    if (comma == std::string_view::npos) {
      packet.nsp.assign(text.substr(pos));
      pos = text.size();
    } else {
      packet.nsp.assign(text.substr(pos, comma - pos));
      pos = comma + 1;
    }
  }

  // Step 4: a run of digits is the ack id. The reference uses Number(), which silently loses
  // precision past 2^53; here anything that does not fit a uint64 is refused instead.
  if (pos < text.size() && is_digit(text[pos])) {
    std::uint64_t id = 0;
    constexpr auto id_max = std::numeric_limits<std::uint64_t>::max();
    for (; pos < text.size() && is_digit(text[pos]); ++pos) {
      const auto digit = static_cast<std::uint64_t>(text[pos] - '0');
      if (id > (id_max - digit) / 10) return result::error;
      id = id * 10 + digit;
    }
    packet.id = id;
  }

  // Step 5: the rest, if any, must be JSON that passes the type check. An absent payload is
  // accepted for every type, as in the reference; for EVENT/ACK this is the `42`/`43` quirk
  // (docs/PROTOCOL.md 2.2): the packet comes back with discarded data and the caller ignores it.
  const std::string_view rest = text.substr(pos);
  if (!rest.empty()) {
    if (!nesting_within_limit(rest)) return result::error;
    // nlohmann skips a leading UTF-8 BOM; JSON.parse does not, so refuse it explicitly.
    if (rest.starts_with("\xEF\xBB\xBF")) return result::error;
    const auto repaired = replace_lone_surrogates(rest);
    json payload = json::parse(repaired ? std::string_view(*repaired) : rest, nullptr, false);
    if (payload.is_discarded() || !payload_valid(packet.type, payload)) return result::error;
    packet.data = std::move(payload);
  }

  if (is_binary_type(packet.type)) {
    // Dispatch waits for all attachments (docs/PROTOCOL.md 2.3).
    pending_ = std::make_unique<assembly>();
    pending_->packet = std::move(packet);
    pending_->expected = attachment_count;
    pending_->attachments.reserve(attachment_count);
    return result::need_more;
  }
  out = std::move(packet);
  return result::packet;
}

sio_decoder::result sio_decoder::feed_binary(std::string_view bytes, sio_packet& out) {
  // docs/PROTOCOL.md 2.3: binary with no header announcing it is fatal.
  if (!pending_) return result::error;
  auto& a = *pending_;
  a.attachments.emplace_back(bytes);
  if (a.attachments.size() < a.expected) return result::need_more;

  if (!a.packet.data.is_discarded() && !fill_placeholders(a.packet.data, a.attachments)) {
    return result::error;
  }
  // The type stays 5/6; the caller treats it like 2/3.
  out = std::move(a.packet);
  pending_.reset();
  return result::packet;
}

}  // namespace socketio::detail
