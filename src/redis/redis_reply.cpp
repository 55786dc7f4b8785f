#include "redis/detail/redis_reply.hpp"

namespace socketio::detail {

redis_reply redis_reply::error(std::string message) {
  redis_reply r;
  r.kind = redis_reply_kind::error;
  r.text = std::move(message);
  return r;
}

redis_reply redis_reply::status(std::string message) {
  redis_reply r;
  r.kind = redis_reply_kind::status;
  r.text = std::move(message);
  return r;
}

std::string redis_reply::describe() const {
  switch (kind) {
    case redis_reply_kind::string:
      return '"' + text + '"';
    case redis_reply_kind::status:
      return text;
    case redis_reply_kind::error:
      return "(error) " + text;
    case redis_reply_kind::integer:
      return "(integer) " + std::to_string(integer);
    case redis_reply_kind::nil:
      return "(nil)";
    case redis_reply_kind::array: {
      std::string out = "[";
      for (std::size_t i = 0; i < elements.size(); ++i) {
        if (i != 0) out += ", ";
        out += elements[i].describe();
      }
      return out + "]";
    }
  }
  return {};
}

}  // namespace socketio::detail
