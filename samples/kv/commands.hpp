// The commands: running one parsed command against a shard's Store, and where a command must run when keys are sharded.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "samples/kv/merge.hpp"
#include "samples/kv/store.hpp"

namespace updraft::kv {

// A command's arguments, its name first (RespParser never gives an empty command).
using Args = std::span<const std::string_view>;

// What the caller does once the reply is written.
enum class After { read_on, close };

// Runs a command (its name in any case) against store and appends its RESP2 reply to out: PING [msg], ECHO msg,
// SET key value [NX|XX] [EX s|PX ms], GET key, DEL key..., EXISTS key..., INCR/DECR key, INCRBY/DECRBY key n,
// MGET key..., MSET key value..., EXPIRE key s, PEXPIRE key ms, TTL key, PTTL key, DBSIZE, FLUSHALL [ASYNC|SYNC], QUIT (After::close), COMMAND ... (an empty array, as
// redis-cli accepts), CONFIG GET param... (save and appendonly, for redis-benchmark). Errors (unknown command, wrong
// number of arguments, syntax, not an integer) are replies in Redis's words.
After execute(Store& store, Args args, std::string& out);

// Where a command runs when keys are spread over shards (loops), each store holding the keys hashed to it:
//  - local: on any shard (no keys: PING, ECHO, QUIT...; or an error reply: unknown command, wrong arity).
//  - keys: its keys are args[first], args[first + step], ... below end. A single-key command (GET, SET, INCR, EXPIRE,
//    TTL: first 1, end 2) runs whole on its key's shard. A multi-key one (DEL, EXISTS, MGET: step 1; MSET: step 2)
//    whose keys are on several shards runs as one part per shard: the name, then for each of that shard's key
//    positions p in order, args[p] to args[p + step - 1] (the key, and its value for MSET); a part is itself a valid
//    command. merge_replies(route.merge, part replies, key_parts, out) then gives the reply.
//  - every_shard: runs whole on every shard, replies merged the same way (DBSIZE: sum, FLUSHALL: ok).
struct Route {
  enum class Kind { local, keys, every_shard };
  Kind kind = Kind::local;
  std::size_t first = 0;
  std::size_t step = 1;
  std::size_t end = 0;
  Merge merge = Merge::none;
};
Route route(Args args);

}  // namespace updraft::kv
