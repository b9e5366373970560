// Fuzz target: permessage-deflate. The first byte picks the test and its settings. Bit 0 set: the rest is a
// Sec-WebSocket-Extensions value to negotiate, whose agreement must keep within the server's options and whose
// response must be an offer the server accepts as it is. Bit 0 clear: the rest is compressed messages (each a 2-byte
// big-endian length, then its payload) inflated in turn under a limit; each one that inflates must come back the same
// through a deflater and another inflater, and a failure must leave the output as it was.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/websocket/deflate_codec.hpp"
#include "core/websocket/permessage_deflate.hpp"

using namespace updraft::websocket;

namespace {
void require(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "broken: %s\n", what);
  std::abort();
}

// Bits 1-2: the server asks for no context takeover; bits 3-5 and 6-7: its windows.
void fuzz_negotiation(std::uint8_t flags, std::string_view offers) {
  const DeflateOptions options{.enabled = true,
                               .server_max_window_bits = static_cast<std::uint8_t>(8 + ((flags >> 3) & 7)),
                               .client_max_window_bits = static_cast<std::uint8_t>(15 - ((flags >> 6) & 3) * 2),
                               .server_no_context_takeover = (flags & 2) != 0,
                               .client_no_context_takeover = (flags & 4) != 0};
  const auto agreement = negotiate_deflate(offers, options);
  if (!agreement) return;
  const DeflateParameters& agreed = agreement->parameters;
  require(agreed.server_max_window_bits >= 8 && agreed.server_max_window_bits <= options.server_max_window_bits,
          "server window within the server's");
  require(agreed.client_max_window_bits >= 8 && agreed.client_max_window_bits <= 15, "client window within 8-15");
  require(agreed.server_no_context_takeover >= options.server_no_context_takeover &&
              agreed.client_no_context_takeover >= options.client_no_context_takeover,
          "the server's asks kept");
  const auto again = negotiate_deflate(agreement->response, options);
  require(again && again->response == agreement->response, "the response is an offer accepted as it is");
}

// Bit 1: context takeover; bits 2-4: the windows; bit 5: a limit of 256 bytes instead of 64 KiB.
void fuzz_inflation(std::uint8_t flags, std::string_view messages) {
  const bool takes_over = (flags & 2) != 0;
  const auto bits = static_cast<std::uint8_t>(8 + ((flags >> 2) & 7));
  const DeflateParameters agreed{.server_no_context_takeover = !takes_over,
                                 .client_no_context_takeover = !takes_over,
                                 .server_max_window_bits = bits,
                                 .client_max_window_bits = bits};
  const std::size_t limit = flags & 32 ? 256 : 64 * 1024;
  MessageInflater inflater(agreed);
  MessageDeflater deflater(agreed, DeflateOptions{});
  MessageInflater checker(agreed);
  while (messages.size() >= 2) {
    const std::size_t size = static_cast<std::uint8_t>(messages[0]) << 8 | static_cast<std::uint8_t>(messages[1]);
    const std::string_view payload = messages.substr(2, size);
    messages.remove_prefix(2 + payload.size());

    std::string message = "before";
    const MessageInflater::Result result = inflater.decompress(payload, limit, message);
    if (result != MessageInflater::Result::ok) {
      require(message == "before", "a failure leaves the output as it was");
      return;  // the connection would close
    }
    require(message.size() <= limit + 6, "within the limit");
    message.erase(0, 6);

    std::string compressed;
    deflater.compress(message, compressed);
    std::string back;
    require(checker.decompress(compressed, limit, back) == MessageInflater::Result::ok && back == message,
            "a message comes back the same through the deflater");
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0 || size > 65536) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  if (data[0] & 1)
    fuzz_negotiation(data[0], rest);
  else
    fuzz_inflation(data[0], rest);
  return 0;
}
