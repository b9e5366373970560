// Unit tests for FrameParser: client frames read whole, cut at every point and byte by byte; fragmented messages with
// control frames between their fragments; every protocol error with its close code; UTF-8 checked as text arrives;
// the message size limit; permessage-deflate's RSV1; what the parser holds between messages.
#include <catch2/catch.hpp>

#include <string>
#include <string_view>

#include "core/websocket/client_frame.hpp"
#include "core/websocket/close_codes.hpp"
#include "core/websocket/frame_parser.hpp"
#include "core/websocket/frame_replay.hpp"

using updraft::websocket::FrameOptions;
using updraft::websocket::FrameParser;
using updraft::websocket::kRsv1Bit;
using updraft::websocket::kRsv2Bit;
using updraft::websocket::kRsv3Bit;
using updraft::websocket::Opcode;
using updraft::websocket::testing::client_frame;
using updraft::websocket::testing::ClientHeader;
using updraft::websocket::testing::FrameReplay;
using updraft::websocket::testing::LengthForm;
using Kind = FrameParser::Kind;
using namespace std::string_literals;

namespace {

// The transcript of input read whole, after checking that every cut and byte-by-byte reading give it too.
std::string replay(std::string_view input, const FrameOptions& options = {}) {
  return FrameReplay::every_way(options, input);
}

std::string text_frame(std::string_view payload, const ClientHeader& header = {}) {
  return client_frame(Opcode::text, payload, header);
}
std::string binary_frame(std::string_view payload, const ClientHeader& header = {}) {
  return client_frame(Opcode::binary, payload, header);
}
std::string continuation_frame(std::string_view payload, const ClientHeader& header = {}) {
  return client_frame(Opcode::continuation, payload, header);
}
std::string ping_frame(std::string_view payload) { return client_frame(Opcode::ping, payload); }
std::string pong_frame(std::string_view payload) { return client_frame(Opcode::pong, payload); }
std::string close_frame(std::string_view payload) { return client_frame(Opcode::close, payload); }
std::string close_frame(std::uint16_t code, std::string_view reason = {}) {
  return close_frame(std::string{static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)} + std::string(reason));
}

const ClientHeader kNotFinal{.fin = false};

const std::string kProtocolError = "error 1002 ";

}  // namespace

TEST_CASE("RFC 6455's examples of client frames", "[websocket][frames]") {
  // 5.7: a single-frame masked text message, and a fragmented unmasked one (masked here, as a client sends it).
  CHECK(replay("\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58") == "text \"Hello\"\nend\n");
  CHECK(replay(text_frame("Hel", kNotFinal) + continuation_frame("lo")) == "text \"Hello\"\nend\n");
  CHECK(replay(ping_frame("Hello")) == "ping \"Hello\"\nend\n");
}

TEST_CASE("messages and control frames come out in order, whole, cut anywhere or byte by byte", "[websocket][frames]") {
  CHECK(replay(text_frame("one") + binary_frame("\x00\xff\r\n"s) + ping_frame("p") + pong_frame("") + text_frame("")) ==
        "text \"one\"\nbinary \"\\x00\\xff\\x0d\\x0a\"\nping \"p\"\npong \"\"\ntext \"\"\nend\n");
  // Payloads of every length up to a few words come out unmasked, whichever byte of the key they start at.
  std::string input;
  std::string expected;
  for (std::size_t size = 0; size <= 40; ++size) {
    std::string payload;
    for (std::size_t i = 0; i < size; ++i) payload += static_cast<char>('a' + (size + i) % 26);
    input += binary_frame(payload);
    expected += "binary \"" + payload + "\"\n";
  }
  CHECK(replay(input) == expected + "end\n");
}

TEST_CASE("a fragmented message is put together, with control frames between its fragments", "[websocket][frames]") {
  CHECK(replay(binary_frame("ab", kNotFinal) + continuation_frame("", kNotFinal) + continuation_frame("cd", kNotFinal) +
               continuation_frame("e")) == "binary \"abcde\"\nend\n");
  CHECK(replay(text_frame("Hel", kNotFinal) + ping_frame("1") + continuation_frame("lo", kNotFinal) + pong_frame("2") +
               close_frame(1000, "") + continuation_frame(" world")) ==
        "ping \"1\"\npong \"2\"\nclose 1000 \"\"\nend\n");
  CHECK(replay(text_frame("Hel", kNotFinal) + ping_frame("1") + continuation_frame("lo, ", kNotFinal) +
               ping_frame("2") + ping_frame("3") + continuation_frame("world") + text_frame("next")) ==
        "ping \"1\"\nping \"2\"\nping \"3\"\ntext \"Hello, world\"\ntext \"next\"\nend\n");
  // Empty fragments, an empty message made of them.
  CHECK(replay(text_frame("", kNotFinal) + continuation_frame("")) == "text \"\"\nend\n");
}

TEST_CASE("a close frame carries a code and a reason, and ends the input", "[websocket][frames]") {
  CHECK(replay(close_frame(1000, "bye")) == "close 1000 \"bye\"\nend\n");
  CHECK(replay(close_frame("")) == "close 1005 \"\"\nend\n");  // no code: 1005, as RFC 6455 7.1.5 says
  CHECK(replay(close_frame(4999, std::string(123, 'r'))) == "close 4999 \"" + std::string(123, 'r') + "\"\nend\n");
  // What comes after it is not read, not even what would be an error.
  CHECK(replay(close_frame(1001) + text_frame("late") + "\x81\x05junk") == "close 1001 \"\"\nend\n");
}

TEST_CASE("every length encoding is read, the longer forms too", "[websocket][frames]") {
  const std::string p125(125, 'x');
  const std::string p126(126, 'y');
  CHECK(replay(binary_frame(p125)) == "binary \"" + p125 + "\"\nend\n");
  CHECK(replay(binary_frame(p126)) == "binary \"" + p126 + "\"\nend\n");
  // RFC 6455 5.2 asks senders for the shortest form but does not make a longer one an error.
  CHECK(replay(binary_frame("abc", {.length = LengthForm::bits16})) == "binary \"abc\"\nend\n");
  CHECK(replay(binary_frame("abc", {.length = LengthForm::bits64})) == "binary \"abc\"\nend\n");
  CHECK(replay(binary_frame(p126, {.length = LengthForm::bits64})) == "binary \"" + p126 + "\"\nend\n");
  CHECK(replay(client_frame(Opcode::ping, "abc", {.length = LengthForm::bits16})) == "ping \"abc\"\nend\n");
  const std::string big(70000, 'z');
  CHECK(FrameReplay::every_way({}, binary_frame(big), 997) == "binary \"" + big + "\"\nend\n");
}

TEST_CASE("frame headers that break the protocol are answered with 1002", "[websocket][frames][errors]") {
  CHECK(replay("\x81\x05Hello") == kProtocolError + "unmasked frame\nend\n");
  CHECK(replay(text_frame("a", {.masked = false})) == kProtocolError + "unmasked frame\nend\n");
  CHECK(replay(text_frame("a", {.rsv = kRsv1Bit})) == kProtocolError + "reserved bits set\nend\n");
  CHECK(replay(text_frame("a", {.rsv = kRsv2Bit})) == kProtocolError + "reserved bits set\nend\n");
  CHECK(replay(text_frame("a", {.rsv = kRsv3Bit})) == kProtocolError + "reserved bits set\nend\n");
  for (int opcode : {3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF}) {
    INFO("opcode " << opcode);
    CHECK(replay(client_frame(static_cast<Opcode>(opcode), "")) == kProtocolError + "reserved opcode\nend\n");
  }
  CHECK(replay(ping_frame(std::string(125, 'p'))) == "ping \"" + std::string(125, 'p') + "\"\nend\n");
  CHECK(replay(ping_frame(std::string(126, 'p'))) == kProtocolError + "control frame over 125 bytes\nend\n");
  // 126 as a 64-bit length (the last byte of it).
  CHECK(replay(client_frame(Opcode::pong, "", {.length = LengthForm::bits64}).replace(9, 1, "\x7e")) ==
        kProtocolError + "control frame over 125 bytes\nend\n");
  CHECK(replay(client_frame(Opcode::ping, "p", kNotFinal)) == kProtocolError + "fragmented control frame\nend\n");
  CHECK(replay(client_frame(Opcode::close, "", kNotFinal)) == kProtocolError + "fragmented control frame\nend\n");
  CHECK(replay(continuation_frame("lo")) == kProtocolError + "continuation without a message\nend\n");
  CHECK(replay(text_frame("a") + continuation_frame("b")) ==
        "text \"a\"\n" + kProtocolError + "continuation without a message\nend\n");
  CHECK(replay(text_frame("Hel", kNotFinal) + text_frame("lo")) ==
        kProtocolError + "new message inside a fragmented one\nend\n");
  CHECK(replay(binary_frame("a", kNotFinal) + ping_frame("") + binary_frame("b")) ==
        "ping \"\"\n" + kProtocolError + "new message inside a fragmented one\nend\n");
  // A 64-bit length with its most significant bit set, even in a frame that would be too big anyway.
  CHECK(replay("\x82\xff\x80\x00\x00\x00\x00\x00\x00\x01\x37\xfa\x21\x3d"s) ==
        kProtocolError + "64-bit length with the high bit set\nend\n");
  CHECK(replay(close_frame("\x03")) == kProtocolError + "close payload of 1 byte\nend\n");
}

TEST_CASE("a close code a Close frame may not carry is answered with 1002", "[websocket][frames][errors]") {
  // The edges of the ranges; close_codes_test has them all.
  for (int code : {1000, 1003, 1007, 1011, 3000, 4999}) {
    INFO("code " << code);
    CHECK(replay(close_frame(static_cast<std::uint16_t>(code), "r")) ==
          "close " + std::to_string(code) + " \"r\"\nend\n");
  }
  for (int code : {0, 999, 1004, 1005, 1006, 1012, 1015, 2999, 5000, 65535}) {
    INFO("code " << code);
    CHECK(replay(close_frame(static_cast<std::uint16_t>(code))) == kProtocolError + "invalid close code\nend\n");
  }
}

TEST_CASE("text that is not UTF-8 is answered with 1007 as soon as it is seen", "[websocket][frames][utf8]") {
  const std::string kInvalidText = "error 1007 text message not UTF-8\nend\n";
  CHECK(replay(text_frame("caf\xc3\xa9 \xe2\x82\xac")) == "text \"caf\\xc3\\xa9 \\xe2\\x82\\xac\"\nend\n");
  CHECK(replay(text_frame("\xc0\xaf")) == kInvalidText);          // overlong '/'
  CHECK(replay(text_frame("\xed\xa0\x80")) == kInvalidText);      // a surrogate
  CHECK(replay(text_frame("\xf4\x90\x80\x80")) == kInvalidText);  // U+110000
  CHECK(replay(text_frame("ab\xe2\x82")) == kInvalidText);        // ends inside a character
  // A character may be cut between fragments...
  CHECK(replay(text_frame("\xe2", kNotFinal) + ping_frame("") + continuation_frame("\x82", kNotFinal) +
               continuation_frame("\xac")) == "ping \"\"\ntext \"\\xe2\\x82\\xac\"\nend\n");
  // ...but the message may not end inside one.
  CHECK(replay(text_frame("\xe2", kNotFinal) + continuation_frame("\x82")) == kInvalidText);
  // A first fragment with an invalid sequence fails at once: the rest of the message is not waited for.
  CHECK(replay(text_frame("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xf4\x90\x80\x80", kNotFinal)) == kInvalidText);
  // Not even the rest of its own frame: the bytes up to the bad one are enough.
  const std::string frame = text_frame("hello \xff world");
  FrameParser parser;
  const FrameParser::Event event = parser.next(std::string_view(frame).substr(0, 6 + 7));
  CHECK(event.kind == Kind::error);
  CHECK(event.code == 1007);
  // Binary messages are not text.
  CHECK(replay(binary_frame("\xff\xc0")) == "binary \"\\xff\\xc0\"\nend\n");
}

TEST_CASE("a close reason that is not UTF-8 is answered with 1007", "[websocket][frames][utf8]") {
  CHECK(replay(close_frame(1000, "\xce\xba\xe1\xbd\xb9")) == "close 1000 \"\\xce\\xba\\xe1\\xbd\\xb9\"\nend\n");
  CHECK(replay(close_frame(1000, "\xce")) == "error 1007 close reason not UTF-8\nend\n");
  CHECK(replay(close_frame(1000, "\xed\xbf\xbf")) == "error 1007 close reason not UTF-8\nend\n");
}

TEST_CASE("a message past max_message_size is refused from its frame's header with 1009", "[websocket][frames]") {
  const FrameOptions small{.max_message_size = 8};
  const std::string kTooBig = "error 1009 message too big\nend\n";
  CHECK(replay(text_frame("12345678"), small) == "text \"12345678\"\nend\n");
  CHECK(replay(text_frame("123456789"), small) == kTooBig);
  CHECK(replay(text_frame("1234", kNotFinal) + continuation_frame("5678"), small) == "text \"12345678\"\nend\n");
  CHECK(replay(text_frame("1234", kNotFinal) + ping_frame("ping frames do not count") + continuation_frame("56789"),
               small) == "ping \"ping frames do not count\"\n" + kTooBig);
  // Control frames have their own limit: 125 bytes.
  CHECK(replay(pong_frame(std::string(100, 'p')), small) == "pong \"" + std::string(100, 'p') + "\"\nend\n");

  // The header is enough: the payload it announces is not waited for.
  FrameParser parser(small);
  std::string header = binary_frame("123456789");
  header.resize(6);
  FrameParser::Event event = parser.next(header);
  CHECK(event.kind == Kind::error);
  CHECK(event.code == 1009);
  // The default is 10 MiB.
  FrameParser defaults;
  event = defaults.next("\x82\xff\x00\x00\x00\x00\x00\xa0\x00\x01\x37\xfa\x21\x3d"s);
  CHECK(event.kind == Kind::error);
  CHECK(event.code == 1009);
  FrameParser exactly;
  event = exactly.next("\x82\xff\x00\x00\x00\x00\x00\xa0\x00\x00\x37\xfa\x21\x3d"s);
  CHECK(event.kind == Kind::need_more);
  CHECK(event.needed == 10u << 20);
}

TEST_CASE("with permessage-deflate, RSV1 marks a message compressed", "[websocket][frames][deflate]") {
  const FrameOptions deflate{.deflate = true};
  CHECK(replay(text_frame("\xf2\x48\xcd\xc9\xc9\x07\x00"s, {.rsv = kRsv1Bit}), deflate) ==
        "text \"\\xf2H\\xcd\\xc9\\xc9\\x07\\x00\" compressed\nend\n");  // compressed text is not checked as UTF-8
  const std::string fragmented = binary_frame("ab", {.fin = false, .rsv = kRsv1Bit}) + ping_frame("") +
                                 continuation_frame("cd") + text_frame("plain");
  CHECK(replay(fragmented, deflate) == "ping \"\"\nbinary \"abcd\" compressed\ntext \"plain\"\nend\n");
  // On a message's first frame only, never on a control frame; RSV2 and RSV3 stay reserved.
  CHECK(replay(binary_frame("ab", kNotFinal) + continuation_frame("cd", {.rsv = kRsv1Bit}), deflate) ==
        kProtocolError + "reserved bits set\nend\n");
  CHECK(replay(client_frame(Opcode::ping, "", {.rsv = kRsv1Bit}), deflate) ==
        kProtocolError + "reserved bits set\nend\n");
  CHECK(replay(text_frame("a", {.rsv = kRsv2Bit}), deflate) == kProtocolError + "reserved bits set\nend\n");
  // Without it, RSV1 is an error.
  CHECK(replay(text_frame("a", {.rsv = kRsv1Bit})) == kProtocolError + "reserved bits set\nend\n");
}

TEST_CASE("next() takes one event at a time and tells what it needs", "[websocket][frames]") {
  const std::string first = text_frame("one");
  const std::string input = first + ping_frame("two") + binary_frame("three", kNotFinal);
  FrameParser parser;
  FrameParser::Event event = parser.next(input);
  CHECK(event.kind == Kind::text);
  CHECK(event.consumed == first.size());
  CHECK(event.payload == "one");
  std::string_view rest = std::string_view(input).substr(event.consumed);
  event = parser.next(rest);
  CHECK(event.kind == Kind::ping);
  CHECK(event.payload == "two");
  rest.remove_prefix(event.consumed);
  event = parser.next(rest);
  CHECK(event.kind == Kind::need_more);
  CHECK(event.consumed == rest.size());
  CHECK(event.needed == 2);  // the next frame's first two bytes

  FrameParser cut;
  CHECK(cut.next("\x82").needed == 1);
  CHECK(cut.next("\xfe").needed == 2 + 4);  // a 16-bit length and the masking key
  CHECK(cut.next("\x01\x00\x37"s).needed == 3);
  CHECK(cut.next("\xfa\x21\x3d" + std::string(56, 'x')).needed == 200);
}

TEST_CASE("between messages the parser holds no buffer", "[websocket][frames]") {
  CHECK(sizeof(FrameParser) <= 80);
  FrameParser parser;
  CHECK(parser.heap_bytes() == 0);
  const std::string message = text_frame(std::string(1000, 'm'));
  FrameParser::Event event = parser.next(message);
  CHECK(event.kind == Kind::text);
  CHECK(event.payload == std::string(1000, 'm'));  // the payload lives in the parser until the next call
  event = parser.next("");
  CHECK(event.kind == Kind::need_more);
  CHECK(parser.heap_bytes() == 0);

  // A fragmented message is held until its last fragment; a control frame between fragments is dropped after it.
  const std::string fragment = text_frame(std::string(500, 'a'), kNotFinal);
  CHECK(parser.next(fragment).kind == Kind::need_more);
  CHECK(parser.heap_bytes() >= 500);
  const std::string control = ping_frame(std::string(100, 'p'));
  event = parser.next(control);
  CHECK(event.payload == std::string(100, 'p'));
  const std::string last = continuation_frame("b");
  event = parser.next(last);
  CHECK(event.payload == std::string(500, 'a') + "b");
  CHECK(parser.next("").kind == Kind::need_more);
  CHECK(parser.heap_bytes() == 0);
}

TEST_CASE("after an error, next() repeats it and reads nothing", "[websocket][frames][errors]") {
  FrameParser parser;
  FrameParser::Event event = parser.next("\x81\x05Hello");
  CHECK(event.kind == Kind::error);
  CHECK(event.consumed == 0);
  CHECK(event.code == updraft::websocket::kCloseProtocolError);
  event = parser.next(text_frame("fine"));
  CHECK(event.kind == Kind::error);
  CHECK(event.payload == "unmasked frame");
}
