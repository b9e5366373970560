// The multipart/form-data parser: a state machine over a small pending buffer (at most a delimiter's length of body
// bytes, or one part's headers), so parts stream through whatever the pieces.
#include "native/multipart_parser.hpp"

#include <algorithm>
#include <cctype>
#include <utility>
#include <vector>

#include "core/http/url.hpp"

namespace updraft {

namespace {
bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

std::string_view trim(std::string_view s) {
  auto blank = [](char c) { return c == ' ' || c == '\t'; };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

// A header value "main; name=token; name="quoted \" string"": the main value and the parameters (names as sent), or
// nullopt for an unterminated quoted string or a parameter without '='.
struct HeaderValue {
  std::string_view main;
  std::vector<std::pair<std::string_view, std::string>> parameters;
  const std::string* get(std::string_view name) const {
    for (const auto& [n, v] : parameters)
      if (equals_ignoring_case(n, name)) return &v;
    return nullptr;
  }
};

std::optional<HeaderValue> parse_header_value(std::string_view s) {
  HeaderValue out;
  auto semicolon = s.find(';');
  out.main = trim(s.substr(0, semicolon));
  s = semicolon == std::string_view::npos ? std::string_view() : s.substr(semicolon + 1);
  while (!(s = trim(s)).empty()) {
    auto equals = s.find('=');
    if (equals == std::string_view::npos) return std::nullopt;
    std::string_view name = trim(s.substr(0, equals));
    s = trim(s.substr(equals + 1));
    std::string value;
    if (!s.empty() && s.front() == '"') {
      std::size_t i = 1;
      for (; i < s.size() && s[i] != '"'; ++i) {
        if (s[i] == '\\' && i + 1 < s.size()) ++i;
        value.push_back(s[i]);
      }
      if (i == s.size()) return std::nullopt;
      s.remove_prefix(i + 1);
      s = trim(s);
      if (!s.empty() && s.front() != ';') return std::nullopt;
    } else {
      value = std::string(trim(s.substr(0, s.find(';'))));
      s = s.substr(std::min(s.size(), s.find(';')));
    }
    if (!s.empty()) s.remove_prefix(1);  // the ';'
    out.parameters.emplace_back(name, std::move(value));
  }
  return out;
}

std::string latin1_to_utf8(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  return out;
}

// An RFC 8187 ext-value, charset'language'pct-encoded, as UTF-8 (from UTF-8 or ISO-8859-1), or nullopt.
std::optional<std::string> decode_ext_value(std::string_view s) {
  auto first = s.find('\''), second = first == std::string_view::npos ? first : s.find('\'', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  std::string_view charset = s.substr(0, first);
  std::string text = url_unescape(s.substr(second + 1), false);
  if (equals_ignoring_case(charset, "UTF-8")) return text;
  if (equals_ignoring_case(charset, "ISO-8859-1")) return latin1_to_utf8(text);
  return std::nullopt;
}
}  // namespace

std::optional<std::string> multipart_boundary(std::string_view content_type) {
  auto value = parse_header_value(content_type);
  if (!value || !equals_ignoring_case(value->main, "multipart/form-data")) return std::nullopt;
  const std::string* boundary = value->get("boundary");
  bool valid = boundary && !boundary->empty() && boundary->size() <= 70 &&
               std::none_of(boundary->begin(), boundary->end(), [](char c) { return c == '\r' || c == '\n'; });
  if (!valid) return std::nullopt;
  return *boundary;
}

// pending_ starts with the CRLF that belongs to the delimiter, so a body opening with "--boundary" matches.
MultipartParser::MultipartParser(std::string_view boundary, MultipartSink& sink, MultipartLimits limits)
    : delimiter_("\r\n--" + std::string(boundary)), sink_(sink), limits_(limits), pending_("\r\n") {}

void MultipartParser::feed(std::string_view piece) {
  if (state_ == State::failed) return;
  if (state_ == State::epilogue) return;  // after the closing boundary: ignored, as RFC 2046 says
  pending_.append(piece);
  while (step()) {
  }
}

void MultipartParser::finish() {
  if (state_ != State::epilogue && state_ != State::failed) fail("the body ended before the closing boundary");
}

void MultipartParser::fail(const std::string& message) {
  state_ = State::failed;
  pending_.clear();
  throw MultipartError("Malformed multipart/form-data body: " + message);
}

bool MultipartParser::step() {
  switch (state_) {
    case State::preamble:
    case State::body: return body();
    case State::after_delimiter: return after_delimiter();
    case State::headers: return headers();
    case State::epilogue:
    case State::failed: return false;
  }
  return false;
}

// The preamble (discarded) and a part's body (delivered) both end at the next delimiter.
bool MultipartParser::body() {
  const bool in_part = state_ == State::body;
  auto found = pending_.find(delimiter_);
  std::size_t deliverable = found != std::string::npos ? found
                            : pending_.size() >= delimiter_.size() ? pending_.size() - delimiter_.size() + 1
                                                                   : 0;
  if (in_part && deliverable > 0) sink_.part_data(std::string_view(pending_).substr(0, deliverable));
  if (found == std::string::npos) {
    pending_.erase(0, deliverable);
    return false;
  }
  if (in_part) sink_.part_end();
  pending_.erase(0, found + delimiter_.size());
  state_ = State::after_delimiter;
  return true;
}

// After a delimiter: "--" closes the body; otherwise optional blanks (RFC 2046's transport padding) and a CRLF.
bool MultipartParser::after_delimiter() {
  if (pending_.size() < 2) return false;
  if (pending_.starts_with("--")) {
    state_ = State::epilogue;
    pending_.clear();
    return false;
  }
  const std::size_t padding = std::min(pending_.find_first_not_of(" \t"), pending_.size());
  if (padding > limits_.max_part_header_bytes) fail("a boundary line that does not end");
  if (padding + 2 > pending_.size()) return false;
  if (pending_.compare(padding, 2, "\r\n") != 0) fail("a boundary followed by something else than a line break");
  pending_.erase(0, padding + 2);
  state_ = State::headers;
  return true;
}

bool MultipartParser::headers() {
  std::size_t end = pending_.starts_with("\r\n") ? 0 : pending_.find("\r\n\r\n");
  if (end == std::string::npos) {
    // A blank line still to come ends past what is here but its last three bytes: decide as if it had come.
    if (pending_.size() > limits_.max_part_header_bytes + 3) fail("part headers larger than the limit");
    return false;
  }
  if (end > limits_.max_part_header_bytes) fail("part headers larger than the limit");
  if (++parts_ > limits_.max_parts) fail("more parts than the limit of " + std::to_string(limits_.max_parts));

  PartHeaders part;
  bool disposition_seen = false;
  std::string_view block = std::string_view(pending_).substr(0, end);
  while (!block.empty()) {
    std::string_view line = block.substr(0, block.find("\r\n"));
    block.remove_prefix(std::min(block.size(), line.size() + 2));
    auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0 || line.front() == ' ' || line.front() == '\t')
      fail("a part header line that is not \"Name: value\"");
    std::string_view name = line.substr(0, colon), value = trim(line.substr(colon + 1));
    if (equals_ignoring_case(name, "Content-Type")) {
      part.content_type = std::string(value);
    } else if (equals_ignoring_case(name, "Content-Disposition")) {
      auto disposition = parse_header_value(value);
      if (!disposition || !equals_ignoring_case(disposition->main, "form-data"))
        fail("a part whose Content-Disposition is not form-data");
      const std::string* field_name = disposition->get("name");
      if (!field_name) fail("a part without a name");
      part.name = *field_name;
      if (const std::string* extended = disposition->get("filename*")) {
        part.filename = decode_ext_value(*extended);
        if (!part.filename) fail("a filename* that is not UTF-8 or ISO-8859-1 charset'language'value");
      } else if (const std::string* filename = disposition->get("filename")) {
        part.filename = *filename;
      }
      disposition_seen = true;
    }
  }
  if (!disposition_seen) fail("a part without Content-Disposition");
  pending_.erase(0, end == 0 ? 2 : end + 4);
  state_ = State::body;
  sink_.part_begin(part);
  return true;
}

}  // namespace updraft
