#include "redis/detail/resp_codec.hpp"

#include <hiredis/hiredis.h>

#include <memory>
#include <new>
#include <stdexcept>

namespace socketio::detail {

namespace {

redis_reply convert(const redisReply& in) {
  redis_reply out;
  switch (in.type) {
    case REDIS_REPLY_STRING:
      out.kind = redis_reply_kind::string;
      out.text.assign(in.str, in.len);
      break;
    case REDIS_REPLY_STATUS:
      out.kind = redis_reply_kind::status;
      out.text.assign(in.str, in.len);
      break;
    case REDIS_REPLY_ERROR:
      out.kind = redis_reply_kind::error;
      out.text.assign(in.str, in.len);
      break;
    case REDIS_REPLY_INTEGER:
      out.kind = redis_reply_kind::integer;
      out.integer = in.integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.kind = redis_reply_kind::array;
      out.elements.reserve(in.elements);
      for (std::size_t i = 0; i < in.elements; ++i)
        out.elements.push_back(convert(*in.element[i]));
      break;
    default:  // REDIS_REPLY_NIL; hiredis 0.14 knows no other (RESP3) types
      out.kind = redis_reply_kind::nil;
      break;
  }
  return out;
}

// hiredis 0.14 allocates an array reply's element table as soon as it reads the header, so a
// peer that announces "*100000000" makes it allocate gigabytes before sending one element
// (newer hiredis has maxelements). The reader keeps hiredis's own object functions and only
// refuses such headers: a refused array is an out-of-memory error for hiredis, which the
// connection treats like any protocol error (close and reconnect).
constexpr int max_array_elements = 1 << 20;

void* (*hiredis_create_array)(const redisReadTask*, int) = nullptr;

void* create_bounded_array(const redisReadTask* task, int elements) {
  if (elements < 0 || elements > max_array_elements) return nullptr;
  return hiredis_create_array(task, elements);
}

redisReplyObjectFunctions* bounded_functions(const redisReplyObjectFunctions* defaults) {
  static redisReplyObjectFunctions functions = [defaults] {
    redisReplyObjectFunctions f = *defaults;
    hiredis_create_array = f.createArray;
    f.createArray = create_bounded_array;
    return f;
  }();
  return &functions;
}

}  // namespace

std::string format_redis_command(const std::vector<std::string>& argv) {
  if (argv.empty()) throw std::invalid_argument("a Redis command needs at least one argument");
  std::vector<const char*> ptrs;
  std::vector<std::size_t> lens;
  ptrs.reserve(argv.size());
  lens.reserve(argv.size());
  for (const auto& a : argv) {
    ptrs.push_back(a.data());
    lens.push_back(a.size());
  }
  char* raw = nullptr;
  const int len =
      redisFormatCommandArgv(&raw, static_cast<int>(argv.size()), ptrs.data(), lens.data());
  if (len < 0 || raw == nullptr) throw std::bad_alloc();
  std::string out(raw, static_cast<std::size_t>(len));
  redisFreeCommand(raw);
  return out;
}

resp_reader::resp_reader() : reader_(redisReaderCreate()) {
  if (reader_ == nullptr) throw std::bad_alloc();
  reader_->fn = bounded_functions(reader_->fn);
}

resp_reader::~resp_reader() {
  redisReaderFree(reader_);
}

bool resp_reader::feed(const char* data, std::size_t size) {
  if (redisReaderFeed(reader_, data, size) != REDIS_OK) {
    error_ = reader_->errstr;
    return false;
  }
  return true;
}

resp_reader::result resp_reader::next(redis_reply& out) {
  void* raw = nullptr;
  if (redisReaderGetReply(reader_, &raw) != REDIS_OK) {
    error_ = reader_->errstr;
    return result::error;
  }
  if (raw == nullptr) return result::need_more;
  const std::unique_ptr<redisReply, void (*)(void*)> reply(static_cast<redisReply*>(raw),
                                                           freeReplyObject);
  out = convert(*reply);
  return result::reply;
}

}  // namespace socketio::detail
