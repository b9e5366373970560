// Writing RESP2 replies: errors, integers, bulk strings and array headers.
#include "samples/kv/reply.hpp"

#include <charconv>

namespace updraft::kv::reply {

namespace {
// prefix, the decimal value, CRLF.
void line(std::string& out, char prefix, long long value) {
  char text[24];
  text[0] = prefix;
  char* end = std::to_chars(text + 1, text + sizeof text - 2, value).ptr;
  *end++ = '\r';
  *end++ = '\n';
  out.append(text, end);
}
}  // namespace

void error(std::string& out, std::string_view text) {
  const std::size_t start = out.size() + 5;
  out += "-ERR ";
  out += text;
  for (std::size_t i = start; i < out.size(); ++i)
    if (out[i] == '\r' || out[i] == '\n') out[i] = ' ';
  out += "\r\n";
}

void integer(std::string& out, long long value) { line(out, ':', value); }

void bulk(std::string& out, std::string_view data) {
  line(out, '$', static_cast<long long>(data.size()));
  out += data;
  out += "\r\n";
}

void array(std::string& out, std::size_t count) { line(out, '*', static_cast<long long>(count)); }

}  // namespace updraft::kv::reply
