// permessage-deflate negotiation: the Sec-WebSocket-Extensions grammar read item by item, each permessage-deflate
// offer checked and combined with the server's options until one is acceptable.
#include "core/websocket/permessage_deflate.hpp"

#include <algorithm>
#include <stdexcept>

#include "core/http/headers.hpp"

namespace updraft::websocket {

namespace {

constexpr std::string_view kExtensionName = "permessage-deflate";
constexpr std::uint8_t kMinWindowBits = 8;
constexpr std::uint8_t kMaxWindowBits = 15;

// HTAB, SP, VCHAR and obs-text (RFC 7230 3.2.6): what a quoted-string may hold, '"' and '\\' only escaped.
bool is_text_char(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return c == '\t' || (byte >= 0x20 && byte != 0x7F);
}

// One parameter of an extension: its name and, if it has one, its value (unquoted).
struct Parameter {
  std::string_view name;
  std::optional<std::string> value;
};

// Reads an extension list from left to right; every read_* returns false on malformed input.
class ExtensionReader {
 public:
  explicit ExtensionReader(std::string_view text) : text_(text) {}

  bool at_end() const { return pos_ == text_.size(); }

  // Skips optional spaces and empty list elements (RFC 7230 7), then the separating comma of the next item, if any:
  // false if the items are not separated by a comma.
  bool read_separator(bool first) {
    skip_spaces();
    bool comma = false;
    while (!at_end() && text_[pos_] == ',') {
      comma = true;
      ++pos_;
      skip_spaces();
    }
    return first || comma || at_end();
  }

  bool read_token(std::string_view& token) {
    const std::size_t start = pos_;
    while (!at_end() && is_tchar(text_[pos_])) ++pos_;
    token = text_.substr(start, pos_ - start);
    return !token.empty();
  }

  // After an extension's name: true and the next parameter if a ';' follows, false at the end of the item; `valid`
  // turns false if what follows is malformed.
  bool read_parameter(Parameter& parameter, bool& valid) {
    skip_spaces();
    if (at_end() || text_[pos_] != ';') return false;
    ++pos_;
    skip_spaces();
    valid = read_token(parameter.name);
    parameter.value.reset();
    if (!valid) return false;
    skip_spaces();
    if (at_end() || text_[pos_] != '=') return true;
    ++pos_;
    skip_spaces();
    std::string& value = parameter.value.emplace();
    valid = !at_end() && text_[pos_] == '"' ? read_quoted(value) : read_token_value(value);
    return valid;
  }

 private:
  void skip_spaces() {
    while (!at_end() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
  }

  bool read_token_value(std::string& value) {
    std::string_view token;
    if (!read_token(token)) return false;
    value = token;
    return true;
  }

  bool read_quoted(std::string& value) {
    for (++pos_; !at_end(); ++pos_) {
      const char c = text_[pos_];
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c == '\\' && ++pos_ == text_.size()) return false;
      if (!is_text_char(text_[pos_])) return false;
      value += text_[pos_];  // a character, or the one a backslash escapes
    }
    return false;  // no closing quote
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

// A window size as RFC 7692 7.1.2 writes it: a decimal 8 to 15 without leading zeros.
std::optional<std::uint8_t> window_bits(std::string_view value) {
  if (value.size() == 1 && value[0] >= '8' && value[0] <= '9') return static_cast<std::uint8_t>(value[0] - '0');
  if (value.size() == 2 && value[0] == '1' && value[1] >= '0' && value[1] <= '5')
    return static_cast<std::uint8_t>(10 + value[1] - '0');
  return std::nullopt;
}

// One permessage-deflate offer's parameters, as the client wrote them.
struct Offer {
  bool server_no_context_takeover = false;
  bool client_no_context_takeover = false;
  std::optional<std::uint8_t> server_max_window_bits;
  bool client_max_window_bits = false;             // the client accepts a client_max_window_bits in the response
  std::optional<std::uint8_t> client_window_hint;  // ... and said it would use at most this one

  // Takes one parameter; false if it makes the offer unacceptable (unknown, repeated or with a wrong value).
  bool take(const Parameter& p) {
    auto flag = [&](bool& seen) {
      if (seen || p.value) return false;
      seen = true;
      return true;
    };
    if (iequals(p.name, "server_no_context_takeover")) return flag(server_no_context_takeover);
    if (iequals(p.name, "client_no_context_takeover")) return flag(client_no_context_takeover);
    if (iequals(p.name, "server_max_window_bits")) {
      if (server_max_window_bits || !p.value) return false;
      server_max_window_bits = window_bits(*p.value);
      return server_max_window_bits.has_value();
    }
    if (iequals(p.name, "client_max_window_bits")) {
      if (client_max_window_bits) return false;
      client_max_window_bits = true;
      if (!p.value) return true;
      client_window_hint = window_bits(*p.value);
      return client_window_hint.has_value();
    }
    return false;
  }
};

DeflateAgreement agree(const Offer& offer, const DeflateOptions& options) {
  DeflateAgreement agreement;
  DeflateParameters& agreed = agreement.parameters;
  agreed.server_no_context_takeover = offer.server_no_context_takeover || options.server_no_context_takeover;
  agreed.client_no_context_takeover = offer.client_no_context_takeover || options.client_no_context_takeover;
  agreed.server_max_window_bits =
      std::min(offer.server_max_window_bits.value_or(kMaxWindowBits), options.server_max_window_bits);
  if (offer.client_max_window_bits)
    agreed.client_max_window_bits =
        std::min(offer.client_window_hint.value_or(kMaxWindowBits), options.client_max_window_bits);

  std::string& response = agreement.response;
  response = kExtensionName;
  if (agreed.server_no_context_takeover) response += "; server_no_context_takeover";
  if (agreed.client_no_context_takeover) response += "; client_no_context_takeover";
  if (offer.server_max_window_bits || agreed.server_max_window_bits < kMaxWindowBits)
    response += "; server_max_window_bits=" + std::to_string(agreed.server_max_window_bits);
  if (offer.client_max_window_bits && (offer.client_window_hint || agreed.client_max_window_bits < kMaxWindowBits))
    response += "; client_max_window_bits=" + std::to_string(agreed.client_max_window_bits);
  return agreement;
}

void check(const DeflateOptions& options) {
  auto window_ok = [](std::uint8_t bits) { return bits >= kMinWindowBits && bits <= kMaxWindowBits; };
  if (options.compression_level < 0 || options.compression_level > 9 || options.memory_level < 1 ||
      options.memory_level > 9 || !window_ok(options.server_max_window_bits) ||
      !window_ok(options.client_max_window_bits))
    throw std::invalid_argument("DeflateOptions: level 0-9, memory level 1-9, window bits 8-15");
}

}  // namespace

std::optional<DeflateAgreement> negotiate_deflate(std::string_view offers, const DeflateOptions& options) {
  if (!options.enabled) return std::nullopt;
  check(options);
  std::optional<DeflateAgreement> agreement;
  ExtensionReader reader(offers);
  // The whole value is read, even past the offer accepted: a malformed one accepts nothing.
  for (bool first = true; reader.read_separator(first) && !reader.at_end(); first = false) {
    std::string_view name;
    if (!reader.read_token(name)) return std::nullopt;
    Offer offer;
    bool acceptable = !agreement && iequals(name, kExtensionName);
    Parameter parameter;
    bool valid = true;
    while (reader.read_parameter(parameter, valid)) acceptable = acceptable && offer.take(parameter);
    if (!valid) return std::nullopt;
    if (acceptable) agreement = agree(offer, options);
  }
  if (!reader.at_end()) return std::nullopt;
  return agreement;
}

}  // namespace updraft::websocket
