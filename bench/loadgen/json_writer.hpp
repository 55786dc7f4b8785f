// Writes one JSON object on one line: the generator's only output format (the harness reads
// one object per line). Keys are plain ASCII; string values are escaped.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <type_traits>

namespace loadgen {

class json_writer {
 public:
  json_writer() { text_.push_back('{'); }

  void field(std::string_view key, bool v) { raw(key, v ? "true" : "false"); }
  void field(std::string_view key, const char* v) { field(key, std::string_view(v)); }
  void field(std::string_view key, std::string_view v) {
    key_(key);
    quote(v);
  }
  void field(std::string_view key, const std::string& v) { field(key, std::string_view(v)); }
  void field(std::string_view key, double v) {
    if (!std::isfinite(v)) {
      raw(key, "null");
      return;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.9g", v);
    raw(key, buf);
  }
  template <typename Int, std::enable_if_t<std::is_integral_v<Int>, int> = 0>
  void field(std::string_view key, Int v) {
    raw(key, std::to_string(v));
  }

  void begin_object(std::string_view key) {
    key_(key);
    text_.push_back('{');
    first_ = true;
  }
  void end_object() {
    text_.push_back('}');
    first_ = false;
  }
  // A ready-made JSON value (an array the caller built).
  void raw(std::string_view key, std::string_view json) {
    key_(key);
    text_.append(json);
  }

  // The finished line, with its closing brace and newline.
  std::string line() const { return text_ + "}\n"; }

  static std::string escape(std::string_view v) {
    json_writer w;
    w.text_.clear();
    w.quote(v);
    return w.text_;
  }

 private:
  void key_(std::string_view key) {
    if (!first_) text_.push_back(',');
    first_ = false;
    quote(key);
    text_.push_back(':');
  }
  void quote(std::string_view v) {
    text_.push_back('"');
    for (const char c : v) {
      if (c == '"' || c == '\\') {
        text_.push_back('\\');
        text_.push_back(c);
      } else if (static_cast<unsigned char>(c) < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x",
                      static_cast<unsigned>(static_cast<unsigned char>(c)));
        text_.append(buf);
      } else {
        text_.push_back(c);
      }
    }
    text_.push_back('"');
  }

  std::string text_;
  bool first_ = true;
};

}  // namespace loadgen
