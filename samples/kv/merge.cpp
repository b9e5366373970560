// Merging per-shard replies: sums of integers, "+OK", and arrays of bulk strings reassembled in key order.
#include "samples/kv/merge.hpp"

#include <cstring>
#include <vector>

#include "samples/kv/integer.hpp"
#include "samples/kv/reply.hpp"

namespace updraft::kv {

namespace {

// Reads the integer of the line "<prefix><integer>\r\n" at reply[pos] and moves pos past it.
bool read_line(std::string_view reply, char prefix, std::size_t& pos, long long& value) {
  if (pos >= reply.size() || reply[pos] != prefix) return false;
  const std::size_t cr = reply.find('\r', pos);
  if (cr == std::string_view::npos || !parse_integer(reply.substr(pos + 1, cr - pos - 1), value)) return false;
  pos = cr + 2;
  return pos <= reply.size();
}

// The bulk string or nil at reply[pos], moving pos past it; empty if there is none.
std::string_view read_element(std::string_view reply, std::size_t& pos) {
  const std::size_t start = pos;
  long long length = 0;
  if (!read_line(reply, '$', pos, length)) return {};
  if (length >= 0) {
    if (reply.size() - pos < static_cast<std::size_t>(length) + 2) return {};
    pos += static_cast<std::size_t>(length) + 2;
  }
  return reply.substr(start, pos - start);
}

bool merge_sum(std::span<const std::string_view> parts, std::string& out) {
  long long total = 0;
  for (std::string_view part : parts) {
    std::size_t pos = 0;
    long long value = 0;
    if (!read_line(part, ':', pos, value)) return false;
    total += value;
  }
  reply::integer(out, total);
  return true;
}

bool merge_array(std::span<const std::string_view> parts, std::span<const std::size_t> key_parts, std::string& out) {
  std::vector<std::size_t> cursors(parts.size());
  for (std::size_t i = 0; i < parts.size(); ++i) {
    long long count = 0;
    if (!read_line(parts[i], '*', cursors[i], count)) return false;
  }
  const std::size_t start = out.size();
  reply::array(out, key_parts.size());
  for (std::size_t part : key_parts) {
    const std::string_view element = part < parts.size() ? read_element(parts[part], cursors[part]) : "";
    if (element.empty()) {
      out.resize(start);
      return false;
    }
    out += element;
  }
  return true;
}

}  // namespace

void merge_replies(Merge merge, std::span<const std::string_view> parts, std::span<const std::size_t> key_parts,
                   std::string& out) {
  for (std::string_view part : parts) {
    if (!part.empty() && part[0] == '-') {
      out += part;
      return;
    }
  }
  bool merged = true;
  switch (merge) {
    case Merge::none:
      merged = parts.size() == 1;
      if (merged) out += parts[0];
      break;
    case Merge::sum:
      merged = merge_sum(parts, out);
      break;
    case Merge::ok:
      reply::simple(out, "OK");
      break;
    case Merge::array:
      merged = merge_array(parts, key_parts, out);
      break;
  }
  if (!merged) reply::error(out, "internal error: shard replies do not fit the command");
}

}  // namespace updraft::kv
