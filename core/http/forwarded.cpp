// Forwarded and X-Forwarded-* values: a strict reader of RFC 7239's grammar (quoted strings included) and of the
// node, host and scheme forms proxies send.
#include "core/http/forwarded.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>

#include "core/http/headers.hpp"

namespace updraft {

namespace {
bool is_ows(char c) { return c == ' ' || c == '\t'; }

// RFC 7239 obfnode and obfport characters after the leading '_'.
bool is_obfuscated(std::string_view text) {
  return text.size() > 1 && text.front() == '_' && std::all_of(text.begin() + 1, text.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
         });
}

std::optional<std::uint16_t> parse_port(std::string_view digits) {
  unsigned port = 0;
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (digits.empty() || digits.size() > 5 || error != std::errc() || end != digits.data() + digits.size() ||
      port > 65535)
    return std::nullopt;
  return static_cast<std::uint16_t>(port);
}

// "[v6]rest" split into the address inside the brackets and what follows; nothing if it is not that.
std::optional<std::pair<IpAddress, std::string_view>> bracketed_v6(std::string_view text) {
  std::size_t close = text.find(']');
  if (text.empty() || text.front() != '[' || close == std::string_view::npos) return std::nullopt;
  auto address = IpAddress::parse(text.substr(1, close - 1));
  if (!address || !address->v6) return std::nullopt;
  return std::pair{*address, text.substr(close + 1)};
}

std::optional<IpAddress> ipv4(std::string_view text) {
  auto address = IpAddress::parse(text);
  if (!address || address->v6) return std::nullopt;
  return address;
}

// Reads a Forwarded field value left to right.
class ForwardedReader {
 public:
  explicit ForwardedReader(std::string_view s) : s_(s) {}

  std::optional<std::vector<ForwardedElement>> elements() {
    std::vector<ForwardedElement> out;
    for (;;) {
      skip_ows();
      ForwardedElement element;
      if (!read_element(element)) return std::nullopt;
      if (!names_.empty()) out.push_back(std::move(element));
      if (at_end()) return out;
      ++i_;  // the ',' that ended the element
    }
  }

 private:
  bool at_end() const { return i_ >= s_.size(); }
  void skip_ows() {
    while (!at_end() && is_ows(s_[i_])) ++i_;
  }

  // Pairs until ',' or the end; false if malformed.
  bool read_element(ForwardedElement& element) {
    names_.clear();
    for (;;) {
      skip_ows();
      if (at_end() || s_[i_] == ',') return true;
      if (s_[i_] == ';') {  // an empty pair
        ++i_;
        continue;
      }
      std::string_view name = read_token();
      if (name.empty() || at_end() || s_[i_] != '=') return false;
      ++i_;
      std::string value;
      if (!read_value(value)) return false;
      if (std::any_of(names_.begin(), names_.end(), [&](std::string_view seen) { return iequals(seen, name); }))
        return false;  // RFC 7239 section 4: a parameter at most once per element
      names_.push_back(name);
      record(element, name, value);
      skip_ows();
      if (!at_end() && s_[i_] == ';') ++i_;
      else if (!at_end() && s_[i_] != ',') return false;
    }
  }

  std::string_view read_token() {
    std::size_t start = i_;
    while (!at_end() && is_tchar(s_[i_])) ++i_;
    return s_.substr(start, i_ - start);
  }

  // A token, or a quoted string with its quoted pairs undone.
  bool read_value(std::string& value) {
    if (at_end() || s_[i_] != '"') {
      value = read_token();
      return !value.empty();
    }
    ++i_;
    while (!at_end()) {
      auto c = static_cast<unsigned char>(s_[i_++]);
      if (c == '"') return true;
      if (c == '\\') {
        if (at_end()) return false;
        c = static_cast<unsigned char>(s_[i_++]);
        if (c < 0x20 && c != '\t') return false;
        if (c == 0x7f) return false;
      } else if ((c < 0x20 && c != '\t') || c == 0x7f) {
        return false;
      }
      value.push_back(static_cast<char>(c));
    }
    return false;  // no closing quote
  }

  static void record(ForwardedElement& element, std::string_view name, const std::string& value) {
    if (iequals(name, "for")) element.client = parse_forwarded_node(value);
    else if (iequals(name, "proto")) element.proto = forwarded_proto(value);
    else if (iequals(name, "host") && is_valid_host(value)) element.host = value;
  }

  std::string_view s_;
  std::size_t i_ = 0;
  std::vector<std::string_view> names_;  // of the element being read
};
}  // namespace

std::optional<std::vector<ForwardedElement>> parse_forwarded(std::string_view value) {
  return ForwardedReader(value).elements();
}

std::optional<ForwardedNode> parse_forwarded_node(std::string_view text) {
  ForwardedNode node;
  std::string_view rest;
  if (auto v6 = bracketed_v6(text)) {
    node.address = v6->first;
    rest = v6->second;
  } else {
    std::size_t colon = text.find(':');
    std::string_view name = text.substr(0, colon);
    rest = colon == std::string_view::npos ? std::string_view() : text.substr(colon);
    if (!iequals(name, "unknown") && !is_obfuscated(name)) {
      node.address = ipv4(name);
      if (!node.address) return std::nullopt;
    }
  }
  if (rest.empty()) return node;
  if (rest.front() != ':') return std::nullopt;
  rest.remove_prefix(1);
  if (is_obfuscated(rest)) return node;
  auto port = parse_port(rest);
  if (!port) return std::nullopt;
  node.port = *port;
  return node;
}

std::optional<ForwardedNode> parse_x_forwarded_for_entry(std::string_view text) {
  ForwardedNode node;
  if (iequals(text, "unknown")) return node;
  std::optional<std::string_view> port;  // what follows a ':' after the address
  if (auto v6 = bracketed_v6(text)) {
    node.address = v6->first;
    if (!v6->second.empty()) {
      if (v6->second.front() != ':') return std::nullopt;
      port = v6->second.substr(1);
    }
  } else if (std::count(text.begin(), text.end(), ':') == 1) {
    std::size_t colon = text.find(':');
    node.address = ipv4(text.substr(0, colon));
    port = text.substr(colon + 1);
  } else {
    node.address = IpAddress::parse(text);
  }
  if (!node.address) return std::nullopt;
  if (port) {
    auto number = parse_port(*port);
    if (!number) return std::nullopt;
    node.port = *number;
  }
  return node;
}

std::string_view forwarded_proto(std::string_view text) {
  if (iequals(text, "http")) return "http";
  if (iequals(text, "https")) return "https";
  return {};
}

bool is_valid_host(std::string_view text) {
  if (text.empty() || text.size() > 255) return false;
  std::string_view rest;
  if (auto v6 = bracketed_v6(text)) {
    rest = v6->second;
  } else {
    std::size_t colon = text.find(':');
    std::string_view name = text.substr(0, colon);
    rest = colon == std::string_view::npos ? std::string_view() : text.substr(colon);
    bool name_ok = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' || c == '~';
    });
    if (!name_ok) return false;
  }
  return rest.empty() || (rest.front() == ':' && parse_port(rest.substr(1)));
}

std::vector<std::string_view> split_list(std::string_view value) {
  std::vector<std::string_view> entries;
  while (!value.empty()) {
    std::size_t comma = value.find(',');
    std::string_view entry = value.substr(0, comma);
    while (!entry.empty() && is_ows(entry.front())) entry.remove_prefix(1);
    while (!entry.empty() && is_ows(entry.back())) entry.remove_suffix(1);
    if (!entry.empty()) entries.push_back(entry);
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return entries;
}

}  // namespace updraft
