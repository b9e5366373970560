// Response serialisation: status lines, header blocks and chunk framing written into a reused buffer.
#include "core/http/response_encoder.hpp"

#include <charconv>

namespace updraft {

namespace {
// "HTTP/1.1 200 OK\r\n" for the statuses with a standard phrase, empty for others.
std::string_view standard_status_line(int status) {
  switch (status) {
    case 100: return "HTTP/1.1 100 Continue\r\n";
    case 101: return "HTTP/1.1 101 Switching Protocols\r\n";
    case 200: return "HTTP/1.1 200 OK\r\n";
    case 201: return "HTTP/1.1 201 Created\r\n";
    case 202: return "HTTP/1.1 202 Accepted\r\n";
    case 204: return "HTTP/1.1 204 No Content\r\n";
    case 206: return "HTTP/1.1 206 Partial Content\r\n";
    case 301: return "HTTP/1.1 301 Moved Permanently\r\n";
    case 302: return "HTTP/1.1 302 Found\r\n";
    case 303: return "HTTP/1.1 303 See Other\r\n";
    case 304: return "HTTP/1.1 304 Not Modified\r\n";
    case 307: return "HTTP/1.1 307 Temporary Redirect\r\n";
    case 308: return "HTTP/1.1 308 Permanent Redirect\r\n";
    case 400: return "HTTP/1.1 400 Bad Request\r\n";
    case 401: return "HTTP/1.1 401 Unauthorized\r\n";
    case 403: return "HTTP/1.1 403 Forbidden\r\n";
    case 404: return "HTTP/1.1 404 Not Found\r\n";
    case 405: return "HTTP/1.1 405 Method Not Allowed\r\n";
    case 408: return "HTTP/1.1 408 Request Timeout\r\n";
    case 409: return "HTTP/1.1 409 Conflict\r\n";
    case 411: return "HTTP/1.1 411 Length Required\r\n";
    case 413: return "HTTP/1.1 413 Content Too Large\r\n";
    case 414: return "HTTP/1.1 414 URI Too Long\r\n";
    case 415: return "HTTP/1.1 415 Unsupported Media Type\r\n";
    case 417: return "HTTP/1.1 417 Expectation Failed\r\n";
    case 422: return "HTTP/1.1 422 Unprocessable Content\r\n";
    case 429: return "HTTP/1.1 429 Too Many Requests\r\n";
    case 431: return "HTTP/1.1 431 Request Header Fields Too Large\r\n";
    case 500: return "HTTP/1.1 500 Internal Server Error\r\n";
    case 501: return "HTTP/1.1 501 Not Implemented\r\n";
    case 502: return "HTTP/1.1 502 Bad Gateway\r\n";
    case 503: return "HTTP/1.1 503 Service Unavailable\r\n";
    case 504: return "HTTP/1.1 504 Gateway Timeout\r\n";
    case 505: return "HTTP/1.1 505 HTTP Version Not Supported\r\n";
    default: return {};
  }
}

bool no_body_status(int status) { return status < 200 || status == 204 || status == 304; }

bool is_framing_field(std::string_view name) {
  switch (name.size()) {  // most names are ruled out by their length alone
    case 4: return iequals(name, "date");
    case 10: return iequals(name, "connection") || iequals(name, "keep-alive");
    case 14: return iequals(name, "content-length");
    case 17: return iequals(name, "transfer-encoding");
    default: return false;
  }
}

void append_number(std::string& out, std::uint64_t n, int base = 10) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, n, base);
  out.append(buf, r.ptr);
}

void append_status_line(std::string& out, int status, std::string_view reason = {}) {
  std::string_view standard = standard_status_line(status);
  if (reason.empty() && !standard.empty()) {
    out.append(standard);
    return;
  }
  out.append("HTTP/1.1 ");
  append_number(out, static_cast<std::uint64_t>(status));
  out.push_back(' ');
  out.append(reason.empty() ? reason_phrase(status) : reason);
  out.append("\r\n");
}
}  // namespace

std::string_view reason_phrase(int status) {
  std::string_view line = standard_status_line(status);
  constexpr std::size_t prefix = sizeof "HTTP/1.1 200 " - 1, suffix = sizeof "\r\n" - 1;
  return line.empty() ? "Unknown" : line.substr(prefix, line.size() - prefix - suffix);
}

ResponsePlan plan_response(const RequestHead& request, int status, const HeaderList& headers, bool must_close) {
  ResponsePlan plan;
  plan.keep_alive = request.keep_alive && !must_close;
  if (request.is_head() || no_body_status(status)) {
    plan.framing = BodyFraming::none;
    return plan;
  }
  if (auto cl = headers.get("content-length")) {
    std::uint64_t n = 0;
    auto r = std::from_chars(cl->data(), cl->data() + cl->size(), n);
    if (r.ec == std::errc() && r.ptr == cl->data() + cl->size() && !cl->empty()) {
      plan.framing = BodyFraming::content_length;
      plan.length = n;
      return plan;
    }
  }
  if (request.version_minor >= 1) {
    plan.framing = BodyFraming::chunked;
  } else {
    plan.framing = BodyFraming::until_close;
    plan.keep_alive = false;
  }
  return plan;
}

void encode_head(std::string& out, const RequestHead& request, int status, const HeaderList& headers,
                 const ResponsePlan& plan, std::string_view date_line, std::string_view reason) {
  append_status_line(out, status, reason);
  out.append(date_line);
  for (auto f : headers) {
    if (is_framing_field(f.name)) continue;
    out.append(f.name);
    out.append(": ");
    out.append(f.value);
    out.append("\r\n");
  }
  if (plan.framing == BodyFraming::content_length) {
    out.append("Content-Length: ");
    append_number(out, plan.length);
    out.append("\r\n");
  } else if (plan.framing == BodyFraming::chunked) {
    out.append("Transfer-Encoding: chunked\r\n");
  } else if (plan.framing == BodyFraming::none && !no_body_status(status)) {
    // HEAD: repeat the Content-Length the GET would have had.
    if (auto cl = headers.get("content-length")) {
      out.append("Content-Length: ");
      out.append(*cl);
      out.append("\r\n");
    }
  }
  if (!plan.keep_alive) {
    out.append("Connection: close\r\n");
  } else if (request.version_minor == 0) {
    out.append("Connection: keep-alive\r\n");
  }
  out.append("\r\n");
}

void encode_switching_protocols(std::string& out, const HeaderList& headers, std::string_view date_line) {
  append_status_line(out, 101);
  out.append(date_line);
  for (auto f : headers) out.append(f.name).append(": ").append(f.value).append("\r\n");
  out.append("\r\n");
}

void encode_chunk_header(std::string& out, std::uint64_t size) {
  append_number(out, size, 16);
  out.append("\r\n");
}

void encode_chunk(std::string& out, std::string_view data) {
  if (data.empty()) return;
  encode_chunk_header(out, data.size());
  out.append(data);
  out.append("\r\n");
}

void encode_last_chunk(std::string& out) { out.append("0\r\n\r\n"); }

std::string error_text(int status, std::string_view detail) {
  std::string body;
  body.append(std::to_string(status)).append(" ").append(reason_phrase(status));
  if (!detail.empty()) body.append(": ").append(detail);
  return body.append("\n");
}

void encode_error(std::string& out, int status, std::string_view detail, std::string_view date_line) {
  append_status_line(out, status);
  out.append(date_line);
  out.append("Content-Type: text/plain; charset=utf-8\r\nConnection: close\r\nContent-Length: ");
  std::string body = error_text(status, detail);
  append_number(out, body.size());
  out.append("\r\n\r\n");
  out.append(body);
}

}  // namespace updraft
