// Response serialisation: status lines, header blocks and chunk framing written into a reused buffer.
#include "core/response_encoder.hpp"

#include <charconv>

namespace updraft {

std::string_view reason_phrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 417: return "Expectation Failed";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

namespace {
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
  out.append("HTTP/1.1 ");
  append_number(out, static_cast<std::uint64_t>(status));
  out.push_back(' ');
  out.append(reason.empty() ? reason_phrase(status) : reason);
  out.append("\r\n");
}
}  // namespace

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

void encode_error(std::string& out, int status, std::string_view detail, std::string_view date_line) {
  append_status_line(out, status);
  out.append(date_line);
  out.append("Content-Type: text/plain; charset=utf-8\r\nConnection: close\r\nContent-Length: ");
  std::string body;
  body.append(std::to_string(status)).append(" ").append(reason_phrase(status));
  if (!detail.empty()) body.append(": ").append(detail);
  body.append("\n");
  append_number(out, body.size());
  out.append("\r\n\r\n");
  out.append(body);
}

}  // namespace updraft
