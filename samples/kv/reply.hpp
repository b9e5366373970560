// RESP2 replies appended to a connection's output string.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace updraft::kv::reply {

inline void simple(std::string& out, std::string_view text) {
  out += '+';
  out += text;
  out += "\r\n";
}
inline void nil(std::string& out) { out += "$-1\r\n"; }
// "-ERR text": a CR or LF in text becomes a space, as Redis keeps an error on one line.
void error(std::string& out, std::string_view text);
void integer(std::string& out, long long value);
void bulk(std::string& out, std::string_view data);
// The header of an array of count elements; the elements follow.
void array(std::string& out, std::size_t count);

}  // namespace updraft::kv::reply
