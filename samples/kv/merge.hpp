// Merging the replies of a multi-key command's parts, run on the shards that hold their keys, into one reply.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace updraft::kv {

// How the parts' replies combine.
enum class Merge {
  none,   // one part only: its reply is the reply
  sum,    // integers added up (DEL, EXISTS, DBSIZE)
  ok,     // "+OK" once every part said it (MSET, FLUSHALL)
  array,  // the parts' elements put back in the command's key order (MGET)
};

// Appends the reply to the whole command given each part's reply (parts[i], complete RESP2 replies as execute()
// wrote them). For array, key_parts[k] is the index in parts of the part that holds the command's k-th key; the
// other merges ignore it. The first error among the parts is the reply.
void merge_replies(Merge merge, std::span<const std::string_view> parts, std::span<const std::size_t> key_parts,
                   std::string& out);

}  // namespace updraft::kv
