// Unit tests for route() and merge_replies() together: commands split over shards as a sharded server runs them give
// the replies one store gives.
#include <catch2/catch.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "samples/kv/commands.hpp"
#include "samples/kv/merge.hpp"

using updraft::kv::Args;
using updraft::kv::execute;
using updraft::kv::Merge;
using updraft::kv::merge_replies;
using updraft::kv::Route;
using updraft::kv::Store;

namespace {

// Runs a command as a server with one store per loop does: where route() says, multi-key commands in one part per
// shard holding some of their keys, the parts' replies merged.
std::string run_sharded(std::vector<Store>& shards, Args args) {
  const Route route = updraft::kv::route(args);
  std::string out;
  std::vector<std::string> replies;
  std::vector<std::size_t> key_parts;
  if (route.kind == Route::Kind::local) {
    execute(shards[0], args, out);
    return out;
  }
  if (route.kind == Route::Kind::every_shard) {
    for (Store& shard : shards) execute(shard, args, replies.emplace_back());
  } else {
    std::vector<std::vector<std::string_view>> parts;
    std::vector<std::size_t> shard_of_part, part_of_shard(shards.size(), SIZE_MAX);
    for (std::size_t p = route.first; p < route.end; p += route.step) {
      const std::size_t shard = std::hash<std::string_view>{}(args[p]) % shards.size();
      if (part_of_shard[shard] == SIZE_MAX) {
        part_of_shard[shard] = parts.size();
        parts.push_back({args[0]});
        shard_of_part.push_back(shard);
      }
      std::vector<std::string_view>& part = parts[part_of_shard[shard]];
      part.insert(part.end(), args.begin() + p, args.begin() + p + route.step);
      key_parts.push_back(part_of_shard[shard]);
    }
    if (parts.size() == 1) {  // one shard holds every key: the command runs whole there
      execute(shards[shard_of_part[0]], args, out);
      return out;
    }
    for (std::size_t i = 0; i < parts.size(); ++i) execute(shards[shard_of_part[i]], parts[i], replies.emplace_back());
  }
  const std::vector<std::string_view> views(replies.begin(), replies.end());
  merge_replies(route.merge, views, key_parts, out);
  return out;
}

}  // namespace

TEST_CASE("commands over four shards give the replies of one store", "[kv][sharding]") {
  std::int64_t now = 1000;
  auto clock = [&now] { return now; };
  Store single(clock);
  std::vector<Store> shards;
  for (int i = 0; i < 4; ++i) shards.emplace_back(clock);

  const std::vector<std::vector<std::string_view>> commands = {
      {"MSET", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5", "f", "6", "g", "7", "h", "8"},
      {"MGET", "a", "b", "missing", "c", "d", "e", "f", "g", "h", "a"},
      {"SET", "i", "9", "EX", "10"},
      {"INCR", "a"},
      {"EXISTS", "a", "b", "c", "d", "missing", "e", "f", "g", "h", "i", "a"},
      {"DBSIZE"},
      {"DEL", "a", "c", "e", "missing", "g", "a"},
      {"MGET", "a", "b", "c", "d", "e", "f", "g", "h", "i"},
      {"DBSIZE"},
      {"MSET", "x"},
      {"GET", "b"},
      {"TTL", "i"},
      {"PING"},
      {"FLUSHALL", "bad"},
      {"FLUSHALL"},
      {"DBSIZE"},
      {"MGET", "a", "b"},
  };
  for (const auto& command : commands) {
    std::string expected;
    execute(single, command, expected);
    INFO(command[0] << " -> " << expected);
    CHECK(run_sharded(shards, command) == expected);
  }
}

TEST_CASE("merge_replies", "[kv][sharding]") {
  auto merge = [](Merge how, std::vector<std::string_view> parts, std::vector<std::size_t> key_parts = {}) {
    std::string out;
    merge_replies(how, parts, key_parts, out);
    return out;
  };
  CHECK(merge(Merge::none, {"$1\r\nv\r\n"}) == "$1\r\nv\r\n");
  CHECK(merge(Merge::sum, {":1\r\n", ":0\r\n", ":3\r\n"}) == ":4\r\n");
  CHECK(merge(Merge::ok, {"+OK\r\n", "+OK\r\n"}) == "+OK\r\n");
  CHECK(merge(Merge::array, {"*2\r\n$1\r\na\r\n$-1\r\n", "*1\r\n$3\r\nb\r\n\r\n"}, {0, 1, 0}) ==
        "*3\r\n$1\r\na\r\n$3\r\nb\r\n\r\n$-1\r\n");
  // The first error among the parts is the reply.
  CHECK(merge(Merge::ok, {"+OK\r\n", "-ERR syntax error\r\n", "-ERR other\r\n"}) == "-ERR syntax error\r\n");
  // Parts that do not fit the key order are a caller's mistake, answered with an error rather than a broken reply.
  const std::string mistake = "-ERR internal error: shard replies do not fit the command\r\n";
  CHECK(merge(Merge::array, {"*1\r\n$1\r\na\r\n"}, {0, 0}) == mistake);
  CHECK(merge(Merge::array, {"*1\r\n$1\r\na\r\n"}, {1}) == mistake);
  CHECK(merge(Merge::sum, {"+OK\r\n"}) == mistake);
  CHECK(merge(Merge::none, {":1\r\n", ":2\r\n"}) == mistake);
}
