// Unit tests for RespParser: multibulk and inline commands, whole, cut at every point and byte by byte; Redis's
// protocol errors; the limits; pipelining; resuming a command cut short.
#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "samples/kv/resp_parser.hpp"
#include "samples/kv/resp_replay.hpp"

using updraft::kv::RespLimits;
using updraft::kv::RespParser;
using updraft::kv::testing::RespReplay;
using namespace std::string_literals;

namespace {

// The transcript of input read whole, after checking that every cut in two and byte-by-byte reading give it too.
std::string replay(std::string_view input, const RespLimits& limits = {}) {
  const std::string whole = RespReplay::whole(limits, input);
  for (std::size_t cut = 0; cut <= input.size(); ++cut) {
    INFO("cut at " << cut);
    REQUIRE(RespReplay::cut_at(limits, input, cut) == whole);
  }
  REQUIRE(RespReplay::in_pieces(limits, input, 1) == whole);
  REQUIRE(RespReplay::in_pieces(limits, input, 3) == whole);
  return whole;
}

std::string multibulk(const std::vector<std::string>& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const std::string& arg : args) out += "$" + std::to_string(arg.size()) + "\r\n" + arg + "\r\n";
  return out;
}

}  // namespace

TEST_CASE("multibulk commands are read whole, cut anywhere or byte by byte", "[kv][resp]") {
  CHECK(replay(multibulk({"SET", "key:000001", "xxx"})) == "\"SET\" \"key:000001\" \"xxx\"\nend\n");
  CHECK(replay(multibulk({"PING"})) == "\"PING\"\nend\n");
  // Bulk arguments are binary: CR, LF, NUL, '*' and '$' inside them are data.
  CHECK(replay(multibulk({"SET", "k", "a\r\nb\0c*$"s})) == "\"SET\" \"k\" \"a\\x0d\\x0ab\\x00c*$\"\nend\n");
  CHECK(replay(multibulk({"SET", "", ""})) == "\"SET\" \"\" \"\"\nend\n");
}

TEST_CASE("pipelined commands come out one per call, in order", "[kv][resp]") {
  std::string input;
  std::string expected;
  for (int i = 0; i < 16; ++i) {
    const std::string key = "key:" + std::to_string(i);
    input += i % 2 ? multibulk({"GET", key}) : multibulk({"SET", key, "v"});
    expected += i % 2 ? "\"GET\" \"" + key + "\"\n" : "\"SET\" \"" + key + "\" \"v\"\n";
  }
  input += "PING\r\n" + multibulk({"DBSIZE"});
  CHECK(replay(input) == expected + "\"PING\"\n\"DBSIZE\"\nend\n");

  // Each call reads just the next command: consumed is its size, args views into the input.
  RespParser parser{RespLimits{}};
  std::vector<std::string_view> args;
  std::string_view rest = input;
  for (int i = 0; i < 16; ++i) {
    const RespParser::Result r = parser.parse(rest, args);
    REQUIRE(r.status == RespParser::Status::command);
    CHECK(r.consumed == (i % 2 ? multibulk({"GET", "key:" + std::to_string(i)}) : multibulk({"SET", "key:" + std::to_string(i), "v"})).size());
    CHECK(args[1].data() >= rest.data());
    CHECK(args[1].data() < rest.data() + r.consumed);
    rest.remove_prefix(r.consumed);
  }
}

TEST_CASE("empty commands are skipped", "[kv][resp]") {
  CHECK(replay("\r\n\n   \r\n*0\r\n*-1\r\nPING\r\n\r\n*0\r\n") == "\"PING\"\nend\n");
  // Skipped bytes are consumed even when no command follows yet, so a connection can drop them.
  RespParser parser{RespLimits{}};
  std::vector<std::string_view> args;
  const RespParser::Result r = parser.parse("\r\n*0\r\n*1\r\n$4\r\nPI", args);
  CHECK(r.status == RespParser::Status::need_more);
  CHECK(r.consumed == 6);
}

TEST_CASE("inline commands are split on blanks", "[kv][resp]") {
  CHECK(replay("PING\r\n") == "\"PING\"\nend\n");
  CHECK(replay("set a b\n") == "\"set\" \"a\" \"b\"\nend\n");
  CHECK(replay("  SET\ta   b  \r\nGET a\r\n") == "\"SET\" \"a\" \"b\"\n\"GET\" \"a\"\nend\n");
  // Only space, tab, CR and LF end a word; other isspace() bytes are skipped before one, as in Redis.
  CHECK(replay("\vGET a\vb\r\n") == "\"GET\" \"a\\x0bb\"\nend\n");
}

TEST_CASE("inline commands take quotes and escapes as redis-cli writes them", "[kv][resp]") {
  CHECK(replay("SET \"a b\" 'c d'\r\n") == "\"SET\" \"a b\" \"c d\"\nend\n");
  CHECK(replay("SET k \"\\x41\\n\\r\\t\\b\\a\\\"\\z\"\r\n") == "\"SET\" \"k\" \"A\\x0a\\x0d\\x09\\x08\\x07\\x22z\"\nend\n");
  CHECK(replay("SET k 'it\\'s \\n'\r\n") == "\"SET\" \"k\" \"it's \\x5cn\"\nend\n");
  CHECK(replay("SET k \"\"\r\n") == "\"SET\" \"k\" \"\"\nend\n");
  CHECK(replay("SET a\"b c\" d\r\n") == "\"SET\" \"ab c\" \"d\"\nend\n");  // a quote may open mid-word
  CHECK(replay("SET \"\\x4\"\r\n") == "\"SET\" \"x4\"\nend\n");          // not two hex digits: an ordinary escape
}

TEST_CASE("malformed input gets Redis's protocol errors, however it is cut", "[kv][resp]") {
  auto error = [](std::string_view input) {
    const std::string transcript = replay(input);
    const std::size_t at = transcript.find("error ");
    return at == std::string::npos ? "no error: " + transcript : transcript.substr(at + 6, transcript.size() - at - 11);
  };
  CHECK(error("*x\r\n") == "Protocol error: invalid multibulk length");
  CHECK(error("*1\r") == "no error: end\n");  // not known yet
  CHECK(error("*1\rx") == "Protocol error: invalid multibulk length");
  CHECK(error("*01\r\n") == "Protocol error: invalid multibulk length");
  CHECK(error("*+1\r\n") == "Protocol error: invalid multibulk length");
  CHECK(error("*99999999999999999999\r\n") == "Protocol error: invalid multibulk length");
  CHECK(error("*" + std::string(40, '1')) == "Protocol error: invalid multibulk length");  // no CR in sight
  CHECK(error("*1\r\nx") == "Protocol error: expected '$', got 'x'");
  CHECK(error("*1\r\n\r\n") == "Protocol error: expected '$', got ' '");
  CHECK(error("*2\r\n$3\r\nGET\r\n:1\r\n") == "Protocol error: expected '$', got ':'");
  CHECK(error("*1\r\n$-1\r\n") == "Protocol error: invalid bulk length");
  CHECK(error("*1\r\n$x\r\n") == "Protocol error: invalid bulk length");
  CHECK(error("*1\r\n$" + std::string(40, '1')) == "Protocol error: invalid bulk length");
  CHECK(error("*1\r\n$4\r\nPINGxx") == "Protocol error: bulk argument not followed by CRLF");
  CHECK(error("*1\r\n$4\r\nPING\rx") == "Protocol error: bulk argument not followed by CRLF");
  CHECK(error("SET \"a\r\n") == "Protocol error: unbalanced quotes in request");
  CHECK(error("SET 'a\r\n") == "Protocol error: unbalanced quotes in request");
  CHECK(error("SET \"a\"b\r\n") == "Protocol error: unbalanced quotes in request");
  CHECK(error("SET 'a'b\r\n") == "Protocol error: unbalanced quotes in request");
  // The commands before a malformed one are read.
  CHECK(replay("PING\r\n*1\r\n$4\r\nPING\r\n*z\r\n") ==
        "\"PING\"\n\"PING\"\nerror Protocol error: invalid multibulk length\nend\n");
}

TEST_CASE("a bulk length over the limit is refused at its header, before its bytes", "[kv][resp]") {
  RespLimits limits;
  limits.max_bulk = 10;
  CHECK(replay(multibulk({"SET", "k", "0123456789"}), limits) == "\"SET\" \"k\" \"0123456789\"\nend\n");
  RespParser parser(limits);
  std::vector<std::string_view> args;
  const RespParser::Result r = parser.parse("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$11\r\n", args);
  CHECK(r.status == RespParser::Status::error);
  CHECK(r.error == "Protocol error: invalid bulk length");
  // The default is Redis's 512 MiB.
  RespParser defaults{RespLimits{}};
  CHECK(defaults.parse("*1\r\n$536870912\r\n", args).status == RespParser::Status::need_more);
  CHECK(defaults.parse("*1\r\n$536870913\r\n", args).error == "Protocol error: invalid bulk length");
}

TEST_CASE("a multibulk count over max_args is refused", "[kv][resp]") {
  RespLimits limits;
  limits.max_args = 3;
  CHECK(replay(multibulk({"SET", "k", "v"}), limits) == "\"SET\" \"k\" \"v\"\nend\n");
  CHECK(replay(multibulk({"MSET", "k", "v"}) + multibulk({"DEL", "a", "b", "c"}), limits) ==
        "\"MSET\" \"k\" \"v\"\nerror Protocol error: invalid multibulk length\nend\n");
}

TEST_CASE("an inline line over max_inline is refused, even before its end arrives", "[kv][resp]") {
  // As in Redis, the line is what comes before its LF, a CR included.
  RespLimits limits;
  limits.max_inline = 16;
  const std::string line = "SET k " + std::string(10, 'v');  // 16 bytes
  CHECK(replay(line + "\n", limits) == "\"SET\" \"k\" \"vvvvvvvvvv\"\nend\n");
  CHECK(replay(line.substr(0, 15) + "\r\n", limits) == "\"SET\" \"k\" \"vvvvvvvvv\"\nend\n");
  CHECK(replay(line + "\r\n", limits) == "error Protocol error: too big inline request\nend\n");
  CHECK(replay(line + "vvvvvvv", limits) == "error Protocol error: too big inline request\nend\n");
  CHECK(replay(line, limits) == "end\n");
  // The limit is per line: pipelined lines may fill more than it together.
  CHECK(replay("PING\r\nPING\r\nPING\r\nPING\r\n", limits) == "\"PING\"\n\"PING\"\n\"PING\"\n\"PING\"\nend\n");
}

TEST_CASE("need_more tells how many bytes the pending argument or command needs", "[kv][resp]") {
  RespParser parser{RespLimits{}};
  std::vector<std::string_view> args;
  const std::string command = multibulk({"SET", "key", std::string(100, 'v')});
  const std::size_t value_at = command.size() - 102;
  auto needed = [&](std::size_t available) {
    const RespParser::Result r = parser.parse(std::string_view(command).substr(0, available), args);
    REQUIRE(r.status == RespParser::Status::need_more);
    return r.needed;
  };
  CHECK(needed(3) == 0);                            // in the count line
  CHECK(needed(10) == 13);                          // in "SET": to its end
  CHECK(needed(value_at - 2) == 0);                 // in the last length line
  CHECK(needed(value_at) == command.size());        // in the last argument: the whole command
  CHECK(needed(command.size() - 1) == command.size());
  CHECK(parser.parse(command, args).status == RespParser::Status::command);
}

TEST_CASE("a command cut short is not read again from its start", "[kv][resp]") {
  RespParser parser{RespLimits{}};
  std::vector<std::string_view> args;
  std::string input = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r";
  CHECK(parser.parse(input, args).status == RespParser::Status::need_more);
  CHECK(args.size() == 2);
  // The parser goes on after the arguments it has read: spoiling their header goes unnoticed (a caller must not do
  // this; it shows the work is not done twice)...
  input[5] = 'x';
  input += "\nv\r\n";
  REQUIRE(parser.parse(input, args).status == RespParser::Status::command);
  CHECK(args == std::vector<std::string_view>{"SET", "k", "v"});
  CHECK(args[0].data() == input.data() + 8);  // the views follow the input to where it now is
  // ...unless args was changed in between: then it starts over.
  input = "*2\r\n$3\r\nGET\r\n$1";
  CHECK(parser.parse(input, args).status == RespParser::Status::need_more);
  args.clear();
  input[1] = 'x';
  input += "\r\nk\r\n";
  CHECK(parser.parse(input, args).error == "Protocol error: invalid multibulk length");
}

TEST_CASE("a command of many arguments arriving in small pieces is read in linear time", "[kv][resp]") {
  // Re-read from its start each time, 200,000 arguments fed 7 bytes at a time would take about 2e10 steps.
  constexpr std::size_t kArgs = 200000;
  std::string input = "*" + std::to_string(kArgs) + "\r\n";
  for (std::size_t i = 0; i < kArgs; ++i) input += "$1\r\nx\r\n";
  const std::string transcript = RespReplay::in_pieces(RespLimits{}, input, 7);
  CHECK(transcript.size() == kArgs * 4 + 4);
}
