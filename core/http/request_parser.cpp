// RequestParser: drives llhttp over one message at a time and applies the framing and Host rules of RFC 9112.
#include "core/http/request_parser.hpp"

#include <array>

#include "core/http/parse_error_text.hpp"

namespace updraft {

namespace {
RequestParser& self(llhttp_t* p) { return *static_cast<RequestParser*>(p->data); }

// 0 when the Transfer-Encoding list is exactly "chunked", else the status to answer with.
int check_transfer_coding(std::string_view list) {
  int codings = 0;
  bool unknown = false;
  bool chunked_last = false;
  while (true) {
    auto comma = list.find(',');
    std::string_view item = trim_ows(list.substr(0, comma));
    ++codings;
    chunked_last = iequals(item, "chunked");
    if (!chunked_last && !item.empty()) unknown = true;
    if (item.empty()) return 400;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  if (codings == 1 && chunked_last) return 0;
  // Codings we do not implement are 501 (RFC 9112 6.1); a list not ending in one chunked is 400.
  return (unknown && chunked_last) ? 501 : 400;
}

// 505 for a well-formed but unsupported version (llhttp's "Invalid HTTP version", unlike
// "Invalid major version" or "Expected dot") and for the HTTP/2 preface; 400 otherwise.
int status_for(llhttp_errno_t err, const llhttp_t& p) {
  if (err == HPE_PAUSED_H2_UPGRADE) return 505;
  if (err == HPE_INVALID_VERSION && std::string_view(llhttp_get_error_reason(&p)) == "Invalid HTTP version")
    return 505;
  return 400;
}

// RFC 9112 3.2.2: a request-target in absolute form ("http://host:port/path?query", what a client sends to a proxy
// and a server MUST accept) becomes its origin form, and its authority the Host (the Host field received is
// ignored). Returns the reason for a 400, or nullptr; origin, authority (CONNECT) and asterisk forms are left alone.
const char* adopt_absolute_form(RequestHead& h) {
  std::string_view t(h.target);
  auto scheme_end = t.find("://");
  if (t.empty() || t.front() == '/' || scheme_end == std::string_view::npos) return nullptr;
  std::string_view scheme = t.substr(0, scheme_end);
  if (!iequals(scheme, "http") && !iequals(scheme, "https")) return "absolute-form target with a scheme not http(s)";
  std::string_view rest = t.substr(scheme_end + 3);
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.empty()) return "absolute-form target without a host";
  if (authority.find('@') != std::string_view::npos) return "userinfo in the request-target";
  std::string_view path = rest.substr(authority.size());
  std::string origin(path.empty() || path.front() != '/' ? "/" : "");  // "http://h?q" is "/?q"
  origin.append(path);
  h.headers.set("Host", authority);
  h.target = std::move(origin);
  return nullptr;
}

// llhttp_execute, going on past a declined upgrade.
llhttp_errno_t execute(llhttp_t& p, std::string_view piece) {
  llhttp_errno_t err = llhttp_execute(&p, piece.data(), piece.size());
  if (err != HPE_PAUSED_UPGRADE) return err;
  // llhttp stops where the message after an Upgrade or CONNECT request begins. Every upgrade is declined here, so
  // the connection goes on as HTTP/1.1 over the same bytes, which the head scanner has already checked: they go
  // to llhttp again, never through the scanner twice (that would let a head past every check and limit).
  const char* at = llhttp_get_error_pos(&p);
  llhttp_resume_after_upgrade(&p);
  return llhttp_execute(&p, at, static_cast<std::size_t>(piece.data() + piece.size() - at));
}
}  // namespace

struct RequestParser::Callbacks {
  static int on_message_begin(llhttp_t* p) {
    auto& s = self(p);
    s.head_->clear();
    return 0;
  }
  static int on_url(llhttp_t* p, const char* at, std::size_t n) {
    self(p).head_->target.append(at, n);
    return 0;
  }
  static HeaderList& fields(RequestParser& s) { return s.headers_done_ ? s.head_->trailers_to_fill() : s.head_->headers; }
  static int count_trailer(RequestParser& s, std::size_t n) {
    if (s.headers_done_ && (s.trailer_bytes_ += n) > s.limits_.max_header_bytes)
      return s.fail(431, "trailer fields too large (the limit is " + std::to_string(s.limits_.max_header_bytes) +
                             " bytes in all)");
    return 0;
  }
  static int on_header_field(llhttp_t* p, const char* at, std::size_t n) {
    auto& s = self(p);
    if (int err = count_trailer(s, n)) return err;
    s.field_pieces_.name(fields(s), {at, n});
    return 0;
  }
  static int on_header_field_complete(llhttp_t* p) {
    self(p).field_pieces_.name_done();
    return 0;
  }
  static int on_header_value(llhttp_t* p, const char* at, std::size_t n) {
    auto& s = self(p);
    if (int err = count_trailer(s, n)) return err;
    s.field_pieces_.value(fields(s), {at, n});
    return 0;
  }
  static int on_header_value_complete(llhttp_t* p) {
    auto& s = self(p);
    s.field_pieces_.value_done(fields(s));
    return 0;
  }
  static int on_headers_complete(llhttp_t* p) {
    auto& s = self(p);
    s.headers_done_ = true;
    if (int status = s.check_head()) return status;
    if (int status = s.listener_->on_head(*s.head_)) return s.fail(status, s.listener_->rejection_reason());
    return s.head_->chunked ? s.open_chunk_line() : 0;
  }
  static int on_body(llhttp_t* p, const char* at, std::size_t n) {
    auto& s = self(p);
    if (int status = s.listener_->on_body({at, n})) return s.fail(status, s.listener_->rejection_reason());
    return 0;
  }
  static int on_chunk_header(llhttp_t* p) {
    auto& s = self(p);
    if (p->content_length != 0) return 0;
    // The last chunk: pause so that feed() runs the trailer section through the scanner.
    s.last_chunk_ = true;
    s.scanner_.begin_trailers();
    return HPE_PAUSED;
  }
  static int on_chunk_complete(llhttp_t* p) {
    auto& s = self(p);
    return s.last_chunk_ ? 0 : s.open_chunk_line();
  }
  static int on_message_complete(llhttp_t* p) {
    auto& s = self(p);
    s.message_done_ = true;
    return HPE_PAUSED;
  }
};

RequestParser::RequestParser(const Limits& limits, ParserListener& listener)
    : limits_(limits), listener_(&listener), scanner_(limits) {
  restart(listener);
}

void RequestParser::restart(ParserListener& listener) {
  static const llhttp_settings_t settings = [] {
    llhttp_settings_t st;
    llhttp_settings_init(&st);
    st.on_message_begin = Callbacks::on_message_begin;
    st.on_url = Callbacks::on_url;
    st.on_header_field = Callbacks::on_header_field;
    st.on_header_value = Callbacks::on_header_value;
    st.on_header_field_complete = Callbacks::on_header_field_complete;
    st.on_header_value_complete = Callbacks::on_header_value_complete;
    st.on_headers_complete = Callbacks::on_headers_complete;
    st.on_body = Callbacks::on_body;
    st.on_chunk_header = Callbacks::on_chunk_header;
    st.on_chunk_complete = Callbacks::on_chunk_complete;
    st.on_message_complete = Callbacks::on_message_complete;
    return st;
  }();
  listener_ = &listener;
  llhttp_init(&llhttp_, HTTP_REQUEST, &settings);
  llhttp_.data = this;
  next_message();
}

RequestParser::~RequestParser() = default;

int RequestParser::fail(int status, std::string reason) {
  error_status_ = status;
  error_reason_ = std::move(reason);
  return HPE_USER;
}

int RequestParser::check_head() {
  llhttp_t& p = llhttp_;
  RequestHead& h = *head_;
  if (p.http_major != 1 || p.http_minor > 1) return fail(505, "only HTTP/1.1 and HTTP/1.0 are supported");
  h.version_minor = p.http_minor;
  h.set_method(method_);
  std::size_t hosts = h.headers.count("host");
  if (hosts > 1 || (h.version_minor == 1 && hosts == 0)) return fail(400, "a request needs exactly one Host");
  // RFC 9112 3.2: a client never sends a fragment, and the asterisk form is OPTIONS's alone.
  if (h.target.find('#') != std::string::npos) return fail(400, "a fragment (#...) in the request-target");
  if (h.target == "*" && h.method != "OPTIONS") return fail(400, "the request-target * is for OPTIONS only");
  if (const char* reason = adopt_absolute_form(h)) return fail(400, reason);
  if (auto te = h.headers.get_joined("transfer-encoding")) {
    if (h.version_minor == 0) return fail(400, "Transfer-Encoding in an HTTP/1.0 request");
    if (h.headers.contains("content-length")) return fail(400, "both Content-Length and Transfer-Encoding");
    if (int status = check_transfer_coding(*te))
      return fail(status, status == 501 ? "transfer coding not implemented" : "bad Transfer-Encoding");
    h.chunked = true;
  } else if (p.flags & F_CONTENT_LENGTH) {
    h.content_length = p.content_length;
  }
  h.keep_alive = llhttp_should_keep_alive(&p) != 0;
  return 0;
}

void RequestParser::next_message() {
  scanner_.reset();
  headers_done_ = false;
  message_done_ = false;
  field_pieces_.reset();
  trailer_bytes_ = 0;
  chunk_line_open_ = false;
  last_chunk_ = false;
  method_.clear();
  method_open_ = true;
  error_status_ = 0;
}

// The next chunk-size line is read by chunk_line_ (llhttp 8.1 refuses the whitespace RFC 9112 7.1.1 allows around a
// chunk extension's ';' and '='): llhttp pauses here and then gets the size alone.
int RequestParser::open_chunk_line() {
  chunk_line_.reset();
  chunk_line_open_ = true;
  return HPE_PAUSED;
}

// Feeds llhttp the message's bytes in piece, except the method and the chunk-size lines, read here first. On a pause
// or an error, used is where in piece it happened.
llhttp_errno_t RequestParser::execute_message(std::string_view piece, std::size_t& used) {
  if (method_open_) return take_method(piece, used);
  if (chunk_line_open_) return take_chunk_line(piece, used);
  return execute_rest(piece, used);
}

// llhttp 8.1 knows a fixed list of methods, RFC 9110 9.1 allows any token: the method is collected here, and llhttp
// given CONNECT and PRI as they are (it treats them apart) and any other method as GET, whose parsing is the same.
llhttp_errno_t RequestParser::take_method(std::string_view piece, std::size_t& used) {
  for (std::size_t i = 0; i < piece.size(); ++i) {
    const char c = piece[i];
    if (c == ' ' && !method_.empty()) {
      method_open_ = false;
      std::string_view given = method_ == "CONNECT" || method_ == "PRI" ? std::string_view(method_) : "GET";
      if (llhttp_errno_t err = execute(llhttp_, given)) {
        used = i;
        return err;
      }
      llhttp_errno_t err = execute_rest(piece.substr(i), used);
      used += i;
      return err;
    }
    if (!method_.empty() || (c != '\r' && c != '\n')) {
      if (!is_tchar(c)) {
        used = i;
        return static_cast<llhttp_errno_t>(fail(400, "a method that is not a token"));
      }
      method_.push_back(c);
      continue;
    }
    // An empty line before the request line is llhttp's to judge.
    if (llhttp_errno_t err = execute(llhttp_, piece.substr(i, 1))) {
      used = i;
      return err;
    }
  }
  return HPE_OK;
}

llhttp_errno_t RequestParser::take_chunk_line(std::string_view piece, std::size_t& used) {
  ChunkLine::Result r = chunk_line_.take(piece, limits_.max_chunk_extension_bytes);
  used = r.used;
  if (r.step == ChunkLine::Step::error) return static_cast<llhttp_errno_t>(fail(400, r.reason));
  if (r.step == ChunkLine::Step::more) return HPE_OK;
  chunk_line_open_ = false;
  // A pause (the last chunk: its trailers go through the scanner) or an error is at the end of the line.
  if (llhttp_errno_t err = execute(llhttp_, chunk_line_.for_llhttp())) return err;
  std::size_t rest_used = 0;
  llhttp_errno_t err = execute_rest(piece.substr(r.used), rest_used);
  used += rest_used;
  return err;
}

llhttp_errno_t RequestParser::execute_rest(std::string_view piece, std::size_t& used) {
  llhttp_errno_t err = execute(llhttp_, piece);
  used = err == HPE_OK ? piece.size() : static_cast<std::size_t>(llhttp_get_error_pos(&llhttp_) - piece.data());
  return err;
}

// The answer to an error found at byte `at` of the data fed.
RequestParser::Result RequestParser::llhttp_failure(int errno_value, std::size_t at) {
  llhttp_t& p = llhttp_;
  auto err = static_cast<llhttp_errno_t>(errno_value);
  // One of our callbacks failed (llhttp reports HPE_USER or HPE_CB_*): the status is ours.
  if (error_status_) return {at, Outcome::error, error_status_, error_reason_};
  error_reason_ = parse_error_text(err, llhttp_get_error_reason(&p));
  return {at, Outcome::error, status_for(err, p), error_reason_};
}

RequestParser::Result RequestParser::feed(std::string_view data) {
  llhttp_t& p = llhttp_;
  std::size_t off = 0;
  while (off < data.size() && !message_done_) {
    std::string_view piece = data.substr(off);
    if (scanner_.in_head()) {
      HeadScanner::Result r = scanner_.scan(piece);
      if (r.status) {
        // llhttp may find an earlier error in the bytes before the scanner's: the first error in the bytes decides
        // the answer, however they were cut into pieces.
        std::size_t used = 0;
        llhttp_errno_t err = execute_message(piece.substr(0, r.consumed), used);
        if (err != HPE_OK && err != HPE_PAUSED) return llhttp_failure(err, off + used);
        error_reason_ = r.text();
        return {off + r.consumed, Outcome::error, r.status, error_reason_};
      }
      piece = piece.substr(0, r.consumed);
    }
    std::size_t used = 0;
    llhttp_errno_t err = execute_message(piece, used);
    if (err == HPE_OK) {
      off += piece.size();
      continue;
    }
    if (err != HPE_PAUSED) return llhttp_failure(err, off + used);
    llhttp_resume(&p);
    off += used;
  }
  return {off, message_done_ ? Outcome::message_done : Outcome::need_more, 0, {}};
}

}  // namespace updraft
