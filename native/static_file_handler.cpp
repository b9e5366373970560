// StaticFileHandler: validation, the conditional and range rules, then the file itself through finish_with_file().
#include "native/static_file_handler.hpp"

#include <unistd.h>

#include <chrono>
#include <memory>

#include "native/application.hpp"
#include "native/byte_range.hpp"
#include "native/http_date.hpp"
#include "native/mime_types.hpp"
#include "native/response_compressor.hpp"
#include "native/run_in_executor.hpp"
#include "native/static_path.hpp"

namespace updraft {

namespace {
// If-None-Match against our (strong) ETag with the weak comparison (RFC 9110 13.1.2), as Tornado's check_etag_header:
// "*" or any listed tag, W/ or not, with the same opaque value.
bool etag_listed(std::string_view list, std::string_view etag) {
  std::size_t i = 0;
  while (i < list.size()) {
    char c = list[i];
    if (c == ' ' || c == '\t' || c == ',') {
      ++i;
    } else if (c == '*') {
      return true;
    } else {
      if (list.substr(i, 2) == "W/") i += 2;
      if (i >= list.size() || list[i] != '"') return false;  // malformed from here on
      auto close = list.find('"', i + 1);
      if (close == std::string_view::npos) return false;
      if (list.substr(i, close + 1 - i) == etag) return true;
      i = close + 1;
    }
  }
  return false;
}

std::string quoted_etag(const ContentHashes::Hash& hash) {
  std::string etag;
  etag.reserve(hash.size() + 2);
  etag.append(1, '"').append(hash.data(), hash.size()).append(1, '"');
  return etag;
}
}  // namespace

// A small file seen before is answered from memory, and a 304 for any file seen before, without opening it.
Task<> StaticFileHandler::get() {
  auto relative = static_relative_path(path().substr(root_->url_prefix().size()));
  if (!relative) throw HTTPError(403, "refused static path " + std::string(path()));
  path_ = std::move(*relative);
  if (auto known = root_->known(path_); known && (known->content || not_modified(*known))) return serve(*known);
  file_ = root_->open(path_);
  if (auto known = root_->hashes().find(path_, ContentHashes::version_of(file_.stat()))) return serve(*known);
  return hash_then_serve();
}

// The first request for a version of a file reads it whole off the loop; the result is kept for every later one.
Task<> StaticFileHandler::hash_then_serve() {
  int fd = ::dup(file_.fd());
  if (fd < 0) throw HTTPError(500, "dup failed");
  // The job owns a copy of the descriptor: a client that leaves meanwhile takes this handler, not the file, away.
  auto copy = std::make_shared<StaticFile>(fd, file_.stat());
  // A named awaiter: with a temporary one holding this lambda, GCC 12 freed a bad pointer when the job ended.
  auto hashing = run_in_executor(loop(), [root = root_, path = path_, copy] {
    return root->hashes().compute(path, copy->fd(), copy->stat());
  });
  co_await serve(co_await hashing);
}

// The file's body comes from known.content when it is there, else from file_, open on this version.
Task<> StaticFileHandler::serve(const ContentHashes::Known& known) {
  known_ = known;
  const std::string etag = quoted_etag(known.hash);
  std::string last_modified = format_http_date(known.version.mtime.tv_sec);
  std::string_view type = mime_type_for(path_);
  const auto& compression = application().compress_response();
  bool compressible = compression && compressible_type(type);
  set_header("Accept-Ranges", "bytes");
  set_header("ETag", etag);
  set_header("Last-Modified", last_modified);
  set_header("Content-Type", type);
  if (compressible) set_header("Vary", "Accept-Encoding");
  if (!request().query().empty() && !get_arguments("v").empty()) {
    auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    set_header("Expires", format_http_date(now + kCacheMaxAge));
    set_header("Cache-Control", "max-age=" + std::to_string(kCacheMaxAge));
  }
  if (not_modified(known)) {
    set_status(304);
    finish();
    return {};
  }
  auto size = static_cast<std::uint64_t>(known.version.size);
  RangeAnswer answer{RangeAnswer::Kind::whole};
  auto range = header("Range");
  auto if_range = header("If-Range");  // a range of another version of the file is no use: the whole of this one
  if (range && (!if_range || *if_range == etag || *if_range == last_modified)) {
    if (auto spec = parse_byte_range(*range)) answer = apply_byte_range(*spec, size);
  }
  switch (answer.kind) {
    case RangeAnswer::Kind::unsatisfiable:
      set_status(416);
      set_header("Content-Type", "text/plain");
      set_header("Content-Range", "bytes */" + std::to_string(size));
      finish();
      break;
    case RangeAnswer::Kind::partial:
      set_status(206);
      set_header("Content-Range", content_range(answer, size));
      send_body(answer.offset, answer.length);
      break;
    case RangeAnswer::Kind::whole:
      if (compressible && size >= compression->min_length && size <= kCompressLimit) {
        if (auto coding = requested_coding(*compression, request()); coding != ContentCoding::identity)
          return send_compressed(coding, known.hash);
      }
      send_body(0, size);
      break;
  }
  return {};
}

// The copy kept for this version of the file, or one made now off the loop.
Task<> StaticFileHandler::send_compressed(ContentCoding coding, const ContentHashes::Hash& hash) {
  if (auto copy = root_->compressed_copies().find(hash, coding)) {
    send_copy(coding, *copy);
    return {};
  }
  return compress_then_send(coding, hash);
}

Task<> StaticFileHandler::compress_then_send(ContentCoding coding, ContentHashes::Hash hash) {
  const CompressionOptions& options = *application().compress_response();
  int level = coding == ContentCoding::gzip ? options.gzip_level : options.brotli_quality;
  std::shared_ptr<StaticFile> copy;  // as in hash_then_serve, when the bytes are not in memory
  if (!known_.content) {
    int fd = ::dup(file_.fd());
    if (fd < 0) throw HTTPError(500, "dup failed");
    copy = std::make_shared<StaticFile>(fd, file_.stat());
  }
  auto compressing = run_in_executor(loop(), [root = root_, coding, hash, level, content = known_.content, copy] {
    auto& copies = root->compressed_copies();
    if (content) return copies.compute(hash, coding, level, *content);
    return copies.compute(hash, coding, level, copy->fd(), static_cast<std::size_t>(copy->stat().st_size));
  });
  auto compressed = co_await compressing;
  send_copy(coding, *compressed);
}

// The copy's headers as set_content_encoding() makes them; finish() sends it with its Content-Length, untouched by
// compress_response's transform (the Content-Encoding is there).
void StaticFileHandler::send_copy(ContentCoding coding, const std::string& copy) {
  set_header("Content-Encoding", content_coding_name(coding));
  set_header("ETag", "W/" + quoted_etag(known_.hash));
  finish(copy);
}

// A small body is read into the response and leaves with the head in one send (one TCP segment, two system calls
// fewer); a larger one follows the head with sendfile(2), never passing through memory.
void StaticFileHandler::send_body(std::uint64_t offset, std::uint64_t length) {
  if (known_.content) return finish(std::string_view(*known_.content).substr(offset, length));
  if (length > kReadLimit || request().is_head()) return finish_with_file(file_.release(), offset, length);
  std::string body(length, '\0');
  ssize_t n = ::pread(file_.fd(), body.data(), body.size(), static_cast<off_t>(offset));
  if (n != static_cast<ssize_t>(length)) throw HTTPError(500, "short read of " + path_);
  finish(body);
}

// Tornado's should_return_304: If-None-Match when present, else If-Modified-Since at or after the modification time.
bool StaticFileHandler::not_modified(const ContentHashes::Known& known) const {
  if (auto tags = header("If-None-Match"); tags && !tags->empty()) return etag_listed(*tags, quoted_etag(known.hash));
  auto since = header("If-Modified-Since");
  if (!since) return false;
  auto when = parse_http_date(*since);
  return when && *when >= known.version.mtime.tv_sec;
}

}  // namespace updraft
