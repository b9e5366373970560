// Unit tests for the commands: each command's replies and Redis's errors, expiry on an injected clock, and routing.
#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "samples/kv/commands.hpp"

using updraft::kv::After;
using updraft::kv::execute;
using updraft::kv::Merge;
using updraft::kv::Route;
using updraft::kv::Store;

namespace {
// A store on a clock the test sets, and commands run against it.
struct Fixture {
  std::int64_t now = 1'000'000;
  Store store{[this] { return now; }};
  After after = After::read_on;

  std::string run(std::vector<std::string_view> args) {
    std::string out;
    after = execute(store, args, out);
    return out;
  }
};

std::string arity_error(std::string_view name) {
  return "-ERR wrong number of arguments for '" + std::string(name) + "' command\r\n";
}
const std::string kSyntaxError = "-ERR syntax error\r\n";
const std::string kNotInteger = "-ERR value is not an integer or out of range\r\n";
}  // namespace

TEST_CASE_METHOD(Fixture, "PING and ECHO", "[kv][commands]") {
  CHECK(run({"PING"}) == "+PONG\r\n");
  CHECK(run({"ping", "hello"}) == "$5\r\nhello\r\n");
  CHECK(run({"PING", "a", "b"}) == arity_error("ping"));
  CHECK(run({"ECHO", "a\r\nb"}) == "$4\r\na\r\nb\r\n");
  CHECK(run({"echo"}) == arity_error("echo"));
  CHECK(after == After::read_on);
}

TEST_CASE_METHOD(Fixture, "command names are matched in any case", "[kv][commands]") {
  CHECK(run({"sEt", "k", "v"}) == "+OK\r\n");
  CHECK(run({"get", "k"}) == "$1\r\nv\r\n");
  CHECK(run({"GET", "k"}) == "$1\r\nv\r\n");
  CHECK(run({"GeT", "K"}) == "$-1\r\n");  // keys are not
}

TEST_CASE_METHOD(Fixture, "SET and GET", "[kv][commands]") {
  CHECK(run({"GET", "k"}) == "$-1\r\n");
  CHECK(run({"SET", "k", "v"}) == "+OK\r\n");
  CHECK(run({"GET", "k"}) == "$1\r\nv\r\n");
  CHECK(run({"SET", "k", ""}) == "+OK\r\n");
  CHECK(run({"GET", "k"}) == "$0\r\n\r\n");
  CHECK(run({"SET", "k"}) == arity_error("set"));
  CHECK(run({"GET"}) == arity_error("get"));
  CHECK(run({"GET", "k", "x"}) == arity_error("get"));
}

TEST_CASE_METHOD(Fixture, "SET NX and XX", "[kv][commands]") {
  CHECK(run({"SET", "k", "1", "XX"}) == "$-1\r\n");
  CHECK(run({"SET", "k", "1", "nx"}) == "+OK\r\n");
  CHECK(run({"SET", "k", "2", "NX"}) == "$-1\r\n");
  CHECK(run({"SET", "k", "3", "xx"}) == "+OK\r\n");
  CHECK(run({"GET", "k"}) == "$1\r\n3\r\n");
  CHECK(run({"SET", "k", "4", "NX", "NX"}) == "$-1\r\n");
  CHECK(run({"SET", "k", "4", "NX", "XX"}) == kSyntaxError);
  CHECK(run({"SET", "k", "4", "XX", "NX"}) == kSyntaxError);
}

TEST_CASE_METHOD(Fixture, "SET EX and PX give the key a deadline", "[kv][commands]") {
  CHECK(run({"SET", "k", "v", "EX", "10"}) == "+OK\r\n");
  CHECK(run({"TTL", "k"}) == ":10\r\n");
  CHECK(run({"SET", "k", "v", "px", "1500", "xx"}) == "+OK\r\n");
  CHECK(run({"TTL", "k"}) == ":2\r\n");  // rounded, as Redis does
  CHECK(run({"SET", "k", "v", "PX", "1499"}) == "+OK\r\n");
  CHECK(run({"TTL", "k"}) == ":1\r\n");
  CHECK(run({"SET", "k", "v", "EX", "10", "EX", "20"}) == "+OK\r\n");  // the last one counts
  CHECK(run({"TTL", "k"}) == ":20\r\n");
  CHECK(run({"SET", "k", "v"}) == "+OK\r\n");
  CHECK(run({"TTL", "k"}) == ":-1\r\n");
  CHECK(run({"SET", "e", "v", "PX", "100"}) == "+OK\r\n");
  now += 99;
  CHECK(run({"GET", "e"}) == "$1\r\nv\r\n");
  now += 1;
  CHECK(run({"GET", "e"}) == "$-1\r\n");
}

TEST_CASE_METHOD(Fixture, "SET's errors are Redis's", "[kv][commands]") {
  CHECK(run({"SET", "k", "v", "EX"}) == kSyntaxError);
  CHECK(run({"SET", "k", "v", "EX", "10", "PX", "10"}) == kSyntaxError);
  CHECK(run({"SET", "k", "v", "PX", "10", "EX", "10"}) == kSyntaxError);
  CHECK(run({"SET", "k", "v", "KEEPTTL"}) == kSyntaxError);
  CHECK(run({"SET", "k", "v", "EX", "abc", "XX", "NX"}) == kSyntaxError);  // options first, then the number
  CHECK(run({"SET", "k", "v", "EX", "abc"}) == kNotInteger);
  CHECK(run({"SET", "k", "v", "EX", "1.5"}) == kNotInteger);
  const std::string invalid = "-ERR invalid expire time in 'set' command\r\n";
  CHECK(run({"SET", "k", "v", "EX", "0"}) == invalid);
  CHECK(run({"SET", "k", "v", "PX", "-1"}) == invalid);
  CHECK(run({"SET", "k", "v", "EX", "9223372036854776"}) == invalid);     // overflows in milliseconds
  CHECK(run({"SET", "k", "v", "PX", "9223372036854775807"}) == invalid);  // overflows added to now
  CHECK(run({"DBSIZE"}) == ":0\r\n");
}

TEST_CASE_METHOD(Fixture, "DEL and EXISTS count keys", "[kv][commands]") {
  run({"MSET", "a", "1", "b", "2"});
  CHECK(run({"EXISTS", "a", "missing", "b", "a"}) == ":3\r\n");  // a key named twice counts twice
  CHECK(run({"DEL", "a", "missing", "a"}) == ":1\r\n");
  CHECK(run({"EXISTS", "a"}) == ":0\r\n");
  CHECK(run({"DEL"}) == arity_error("del"));
  CHECK(run({"EXISTS"}) == arity_error("exists"));
}

TEST_CASE_METHOD(Fixture, "INCR", "[kv][commands]") {
  CHECK(run({"INCR", "n"}) == ":1\r\n");
  CHECK(run({"INCR", "n"}) == ":2\r\n");
  CHECK(run({"GET", "n"}) == "$1\r\n2\r\n");
  run({"SET", "s", "abc"});
  CHECK(run({"INCR", "s"}) == kNotInteger);
  run({"SET", "big", "9223372036854775807"});
  CHECK(run({"INCR", "big"}) == "-ERR increment or decrement would overflow\r\n");
  CHECK(run({"INCR"}) == arity_error("incr"));
}

TEST_CASE_METHOD(Fixture, "INCRBY, DECR and DECRBY, as redis-py's incr() and decr() send them", "[kv][commands]") {
  CHECK(run({"INCRBY", "n", "10"}) == ":10\r\n");
  CHECK(run({"DECR", "n"}) == ":9\r\n");
  CHECK(run({"DECRBY", "n", "4"}) == ":5\r\n");
  CHECK(run({"INCRBY", "n", "-7"}) == ":-2\r\n");
  CHECK(run({"INCRBY", "n", "x"}) == kNotInteger);
  CHECK(run({"DECRBY", "n", "-9223372036854775808"}) == kNotInteger);  // its negation does not fit
  CHECK(run({"INCRBY", "n"}) == arity_error("incrby"));
  CHECK(run({"DECR"}) == arity_error("decr"));
}

TEST_CASE_METHOD(Fixture, "MGET and MSET", "[kv][commands]") {
  CHECK(run({"MSET", "a", "1", "b", "two"}) == "+OK\r\n");
  CHECK(run({"MGET", "a", "missing", "b"}) == "*3\r\n$1\r\n1\r\n$-1\r\n$3\r\ntwo\r\n");
  CHECK(run({"MSET", "a"}) == arity_error("mset"));
  CHECK(run({"MSET", "a", "1", "b"}) == arity_error("mset"));
  CHECK(run({"MGET"}) == arity_error("mget"));
  run({"SET", "a", "1", "EX", "10"});
  run({"MSET", "a", "3"});
  CHECK(run({"TTL", "a"}) == ":-1\r\n");
}

TEST_CASE_METHOD(Fixture, "EXPIRE and TTL", "[kv][commands]") {
  CHECK(run({"TTL", "k"}) == ":-2\r\n");
  CHECK(run({"EXPIRE", "k", "10"}) == ":0\r\n");
  run({"SET", "k", "v"});
  CHECK(run({"TTL", "k"}) == ":-1\r\n");
  CHECK(run({"EXPIRE", "k", "10"}) == ":1\r\n");
  CHECK(run({"TTL", "k"}) == ":10\r\n");
  now += 9400;
  CHECK(run({"TTL", "k"}) == ":1\r\n");
  now += 600;
  CHECK(run({"TTL", "k"}) == ":-2\r\n");
  run({"SET", "k", "v"});
  CHECK(run({"EXPIRE", "k", "-1"}) == ":1\r\n");  // a time in the past removes the key
  CHECK(run({"EXISTS", "k"}) == ":0\r\n");
  CHECK(run({"EXPIRE", "k", "abc"}) == kNotInteger);
  CHECK(run({"EXPIRE", "k", "9223372036854776"}) == "-ERR invalid expire time in 'expire' command\r\n");
  CHECK(run({"EXPIRE", "k"}) == arity_error("expire"));
  CHECK(run({"TTL"}) == arity_error("ttl"));
}

TEST_CASE_METHOD(Fixture, "PEXPIRE and PTTL count milliseconds", "[kv][commands]") {
  CHECK(run({"PTTL", "k"}) == ":-2\r\n");
  run({"SET", "k", "v"});
  CHECK(run({"PTTL", "k"}) == ":-1\r\n");
  CHECK(run({"PEXPIRE", "k", "1500"}) == ":1\r\n");
  now += 400;
  CHECK(run({"PTTL", "k"}) == ":1100\r\n");
  CHECK(run({"TTL", "k"}) == ":1\r\n");
  now += 1100;
  CHECK(run({"PTTL", "k"}) == ":-2\r\n");
  CHECK(run({"PEXPIRE", "k", "abc"}) == kNotInteger);
  CHECK(run({"PEXPIRE", "k"}) == arity_error("pexpire"));
}

TEST_CASE_METHOD(Fixture, "DBSIZE and FLUSHALL", "[kv][commands]") {
  run({"MSET", "a", "1", "b", "2", "c", "3"});
  CHECK(run({"DBSIZE"}) == ":3\r\n");
  CHECK(run({"DBSIZE", "x"}) == arity_error("dbsize"));
  CHECK(run({"FLUSHALL", "x"}) == kSyntaxError);
  CHECK(run({"FLUSHALL", "sync", "x"}) == kSyntaxError);
  CHECK(run({"FLUSHALL"}) == "+OK\r\n");
  CHECK(run({"DBSIZE"}) == ":0\r\n");
  run({"SET", "a", "1"});
  CHECK(run({"FLUSHALL", "ASYNC"}) == "+OK\r\n");
  CHECK(run({"DBSIZE"}) == ":0\r\n");
}

TEST_CASE_METHOD(Fixture, "QUIT answers OK and asks for the connection to close", "[kv][commands]") {
  CHECK(run({"QUIT"}) == "+OK\r\n");
  CHECK(after == After::close);
  run({"PING"});
  CHECK(after == After::read_on);
}

TEST_CASE_METHOD(Fixture, "COMMAND and CONFIG GET give what redis-cli and redis-benchmark ask for", "[kv][commands]") {
  CHECK(run({"COMMAND", "DOCS"}) == "*0\r\n");
  CHECK(run({"COMMAND"}) == "*0\r\n");
  CHECK(run({"CONFIG", "GET", "save"}) == "*2\r\n$4\r\nsave\r\n$0\r\n\r\n");
  CHECK(run({"config", "get", "APPENDONLY"}) == "*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n");
  CHECK(run({"CONFIG", "GET", "appendonly", "save", "save"}) ==
        "*4\r\n$4\r\nsave\r\n$0\r\n\r\n$10\r\nappendonly\r\n$2\r\nno\r\n");
  CHECK(run({"CONFIG", "GET", "maxmemory"}) == "*0\r\n");
  CHECK(run({"CONFIG", "SET", "save", ""}) == "-ERR unknown subcommand 'SET'. Try CONFIG HELP.\r\n");
  CHECK(run({"CONFIG", "GET"}) == arity_error("config|get"));
  CHECK(run({"CONFIG"}) == arity_error("config"));
}

TEST_CASE_METHOD(Fixture, "an unknown command is named in the error with the start of its arguments", "[kv][commands]") {
  CHECK(run({"FOO"}) == "-ERR unknown command 'FOO', with args beginning with: \r\n");
  CHECK(run({"FOO", "a", "b c"}) == "-ERR unknown command 'FOO', with args beginning with: 'a' 'b c' \r\n");
  CHECK(run({"FOO", "a\r\nb"}) == "-ERR unknown command 'FOO', with args beginning with: 'a  b' \r\n");
  // Arguments are quoted until 128 bytes are written, the last one cut to what is left of them.
  const std::string a(100, 'a'), b(100, 'b');
  CHECK(run({"FOO", a, b, "c"}) ==
        "-ERR unknown command 'FOO', with args beginning with: '" + a + "' '" + std::string(25, 'b') + "' \r\n");
  const std::string name(200, 'x');
  CHECK(run({name}) == "-ERR unknown command '" + std::string(128, 'x') + "', with args beginning with: \r\n");
  CHECK(run({""}) == "-ERR unknown command '', with args beginning with: \r\n");
}

TEST_CASE("route says where a command's keys are", "[kv][commands]") {
  auto route = [](std::vector<std::string_view> args) {
    const Route r = updraft::kv::route(args);
    return std::vector<std::size_t>{static_cast<std::size_t>(r.kind), r.first, r.step, r.end,
                                    static_cast<std::size_t>(r.merge)};
  };
  auto expect = [](Route::Kind kind, std::size_t first, std::size_t step, std::size_t end, Merge merge) {
    return std::vector<std::size_t>{static_cast<std::size_t>(kind), first, step, end, static_cast<std::size_t>(merge)};
  };
  using Kind = Route::Kind;
  CHECK(route({"GET", "k"}) == expect(Kind::keys, 1, 1, 2, Merge::none));
  CHECK(route({"set", "k", "v", "EX", "10"}) == expect(Kind::keys, 1, 1, 2, Merge::none));
  CHECK(route({"INCR", "k"}) == expect(Kind::keys, 1, 1, 2, Merge::none));
  CHECK(route({"EXPIRE", "k", "1"}) == expect(Kind::keys, 1, 1, 2, Merge::none));
  CHECK(route({"TTL", "k"}) == expect(Kind::keys, 1, 1, 2, Merge::none));
  CHECK(route({"DEL", "a", "b", "c"}) == expect(Kind::keys, 1, 1, 4, Merge::sum));
  CHECK(route({"EXISTS", "a"}) == expect(Kind::keys, 1, 1, 2, Merge::sum));
  CHECK(route({"MGET", "a", "b"}) == expect(Kind::keys, 1, 1, 3, Merge::array));
  CHECK(route({"MSET", "a", "1", "b", "2"}) == expect(Kind::keys, 1, 2, 5, Merge::ok));
  CHECK(route({"DBSIZE"}) == expect(Kind::every_shard, 0, 1, 0, Merge::sum));
  CHECK(route({"FLUSHALL"}) == expect(Kind::every_shard, 0, 1, 0, Merge::ok));
  // No key, or an error to reply with: anywhere.
  const auto local = expect(Kind::local, 0, 1, 0, Merge::none);
  for (auto args : std::vector<std::vector<std::string_view>>{
           {"PING"}, {"ECHO", "x"}, {"QUIT"}, {"COMMAND", "DOCS"}, {"CONFIG", "GET", "save"}, {"FOO", "k"},
           {"GET"}, {"MSET", "a"}, {"MSET", "a", "1", "b"}, {"DBSIZE", "x"}})
    CHECK(route(args) == local);
}
