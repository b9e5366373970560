// ResponseParser: llhttp's callbacks filling the status, the fields and the body of one final response.
#include "core/httpclient/response_parser.hpp"

namespace updraft::httpclient {

namespace {
ResponseParser& self(llhttp_t* p) { return *static_cast<ResponseParser*>(p->data); }
}  // namespace

struct ResponseParser::Callbacks {
  static int on_message_begin(llhttp_t* p) {
    self(p).got_some_ = true;
    return 0;
  }
  static int on_status(llhttp_t* p, const char* at, std::size_t n) {
    auto& s = self(p);
    s.reason_.append(at, n);
    return s.count_head(n);
  }
  static int on_header_field(llhttp_t* p, const char* at, std::size_t n) {
    auto& s = self(p);
    if (int err = s.count_head(n)) return err;
    if (!s.head_done_) s.field_pieces_.name(s.headers_, {at, n});  // a trailer field is counted, not kept
    return 0;
  }
  static int on_header_field_complete(llhttp_t* p) {
    self(p).field_pieces_.name_done();
    return 0;
  }
  static int on_header_value(llhttp_t* p, const char* at, std::size_t n) {
    auto& s = self(p);
    if (int err = s.count_head(n)) return err;
    if (!s.head_done_) s.field_pieces_.value(s.headers_, {at, n});
    return 0;
  }
  static int on_header_value_complete(llhttp_t* p) {
    auto& s = self(p);
    if (!s.head_done_) s.field_pieces_.value_done(s.headers_);
    return s.count_head(4);  // ": " and CRLF
  }
  static int on_headers_complete(llhttp_t* p) {
    auto& s = self(p);
    s.status_ = p->status_code;
    s.minor_ = p->http_minor;
    bool interim = s.status_ >= 100 && s.status_ < 200 && s.status_ != 101;
    if (interim) return 0;
    s.head_done_ = true;
    // No body follows the answer to HEAD, a 204 or a 304, whatever their Content-Length says (RFC 9112 6.3).
    if (s.head_request_ || s.status_ == 204 || s.status_ == 304) return 1;
    // A body known to be over the limit is refused before any of it is read.
    if ((p->flags & F_CONTENT_LENGTH) && p->content_length > s.max_body_bytes_) {
      s.body_too_large_ = true;
      return HPE_USER;
    }
    return 0;
  }
  static int on_body(llhttp_t* p, const char* at, std::size_t n) {
    auto& s = self(p);
    if ((s.body_bytes_ += n) > s.max_body_bytes_) {
      s.body_too_large_ = true;
      return HPE_USER;
    }
    if (s.keep_pieces_) s.pieces_.emplace_back(at, n);
    else s.body_.append(at, n);
    return 0;
  }
  static int on_message_complete(llhttp_t* p) {
    auto& s = self(p);
    if (!s.head_done_) {  // an interim response (100 Continue, 103 Early Hints): the final one follows
      s.reason_.clear();
      s.headers_.clear();
      s.head_bytes_ = 0;
      return 0;
    }
    s.done_ = true;
    s.keep_alive_ = llhttp_should_keep_alive(p) != 0 && s.status_ != 101;
    return HPE_PAUSED;
  }
};

ResponseParser::ResponseParser(bool head_request, std::uint64_t max_body_bytes, bool keep_pieces)
    : head_request_(head_request), max_body_bytes_(max_body_bytes), keep_pieces_(keep_pieces) {
  static const llhttp_settings_t settings = [] {
    llhttp_settings_t st;
    llhttp_settings_init(&st);
    st.on_message_begin = Callbacks::on_message_begin;
    st.on_status = Callbacks::on_status;
    st.on_header_field = Callbacks::on_header_field;
    st.on_header_field_complete = Callbacks::on_header_field_complete;
    st.on_header_value = Callbacks::on_header_value;
    st.on_header_value_complete = Callbacks::on_header_value_complete;
    st.on_headers_complete = Callbacks::on_headers_complete;
    st.on_body = Callbacks::on_body;
    st.on_message_complete = Callbacks::on_message_complete;
    return st;
  }();
  llhttp_init(&llhttp_, HTTP_RESPONSE, &settings);
  llhttp_.data = this;
}

int ResponseParser::count_head(std::size_t n) {
  if ((head_bytes_ += n) <= max_head_bytes) return 0;
  return HPE_USER;
}

void ResponseParser::fail_llhttp(llhttp_errno_t err) {
  if (body_too_large_)
    throw BadResponse("response body larger than max_body_size (" + std::to_string(max_body_bytes_) + " bytes)",
                      true);
  if (err == HPE_USER) throw BadResponse("response head larger than " + std::to_string(max_head_bytes) + " bytes");
  throw BadResponse(std::string("malformed response: ") + llhttp_get_error_reason(&llhttp_));
}

std::size_t ResponseParser::feed(std::string_view bytes) {
  pieces_.clear();
  if (done_ || bytes.empty()) return 0;
  llhttp_errno_t err = llhttp_execute(&llhttp_, bytes.data(), bytes.size());
  if (err == HPE_OK) return bytes.size();
  if (err == HPE_PAUSED || err == HPE_PAUSED_UPGRADE) {
    if (err == HPE_PAUSED_UPGRADE) {  // 101: what follows is another protocol's
      done_ = true;
      keep_alive_ = false;
    }
    return static_cast<std::size_t>(llhttp_get_error_pos(&llhttp_) - bytes.data());
  }
  fail_llhttp(err);
}

void ResponseParser::finish() {
  pieces_.clear();
  if (done_) return;
  if (!got_some_) throw BadResponse("connection closed before a response");
  llhttp_errno_t err = llhttp_finish(&llhttp_);
  if (err == HPE_INVALID_EOF_STATE || (err == HPE_OK && !done_))
    throw BadResponse("connection closed before the end of the response");
  if (err != HPE_OK && err != HPE_PAUSED) fail_llhttp(err);
  keep_alive_ = false;
}

}  // namespace updraft::httpclient
