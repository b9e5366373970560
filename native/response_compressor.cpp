// ResponseCompressor: the choice made with a response's first chunk, then every chunk through one encoder.
#include "native/response_compressor.hpp"

#include <array>
#include <stdexcept>

#include "native/content_encoding.hpp"

namespace updraft {

namespace {
std::string_view media_type(std::string_view content_type) {
  return trim_ows(content_type.substr(0, content_type.find(';')));
}

bool ends_with_ignoring_case(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && iequals(s.substr(s.size() - suffix.size()), suffix);
}

bool lists_accept_encoding(std::string_view vary) {
  while (!vary.empty()) {
    auto comma = vary.find(',');
    std::string_view item = trim_ows(vary.substr(0, comma));
    if (iequals(item, "Accept-Encoding") || item == "*") return true;
    vary = comma == std::string_view::npos ? std::string_view() : vary.substr(comma + 1);
  }
  return false;
}

bool status_may_compress(int status) { return status >= 200 && status != 204 && status != 206 && status != 304; }

// Encoded into the thread's scratch buffer, then copied back over the chunk (whose room the smaller output fits): no
// buffer of the chunk's size allocated and freed per response.
void encode_in_place(ContentEncoder& encoder, std::string& chunk, bool finishing) {
  constexpr std::size_t kScratchKept = 1u << 20;
  thread_local std::string scratch;
  scratch.clear();
  encoder.encode(chunk, finishing ? ContentEncoder::Flush::finish : ContentEncoder::Flush::sync, scratch);
  chunk.assign(scratch);
  if (scratch.capacity() > kScratchKept) std::string().swap(scratch);
}
}  // namespace

void check_compression_options(const CompressionOptions& options) {
  if (options.gzip_level < 1 || options.gzip_level > 9)
    throw std::invalid_argument("gzip level " + std::to_string(options.gzip_level) + " is not 1-9");
  if (options.brotli_quality < 0 || options.brotli_quality > 11)
    throw std::invalid_argument("brotli quality " + std::to_string(options.brotli_quality) + " is not 0-11");
}

bool compressible_type(std::string_view content_type) {
  static constexpr std::array<std::string_view, 13> kTypes = {
      "application/javascript", "application/x-javascript", "application/xml", "application/atom+xml",
      "application/json",       "application/xhtml+xml",    "image/svg+xml",   "application/rss+xml",
      "application/manifest+json", "application/wasm",      "font/ttf",        "font/otf",
      "image/x-icon"};
  std::string_view type = media_type(content_type);
  if (type.size() > 5 && iequals(type.substr(0, 5), "text/")) return true;
  if (ends_with_ignoring_case(type, "+json") || ends_with_ignoring_case(type, "+xml")) return true;
  for (std::string_view known : kTypes)
    if (iequals(type, known)) return true;
  return false;
}

void vary_on_accept_encoding(HeaderList& headers) {
  auto vary = headers.get_joined("Vary");
  if (!vary || trim_ows(*vary).empty()) return headers.set("Vary", "Accept-Encoding");
  if (!lists_accept_encoding(*vary)) headers.set("Vary", *vary + ", Accept-Encoding");
}

ContentCoding requested_coding(const CompressionOptions& options, const RequestHead& request) {
  if (request.is_head()) return ContentCoding::identity;
  auto accept = request.headers.get("Accept-Encoding");
  if (!accept) return ContentCoding::identity;
  if (request.headers.count("Accept-Encoding") == 1) return negotiate_content_coding(*accept, true, options.brotli);
  return negotiate_content_coding(*request.headers.get_joined("Accept-Encoding"), true, options.brotli);
}

void set_content_encoding(HeaderList& headers, ContentCoding coding) {
  headers.set("Content-Encoding", content_coding_name(coding));
  if (auto etag = headers.get("ETag"); etag && !etag->starts_with("W/")) headers.set("ETag", "W/" + std::string(*etag));
}

std::unique_ptr<ResponseCompressor> ResponseCompressor::start(const CompressionOptions& options,
                                                              const RequestHead& request, int status,
                                                              HeaderList& headers, std::string& chunk,
                                                              bool finishing) {
  if (headers.contains("Content-Encoding")) return nullptr;
  auto type = headers.get("Content-Type");
  if (!type || !compressible_type(*type)) return nullptr;
  vary_on_accept_encoding(headers);
  if (!status_may_compress(status) || (finishing && chunk.size() < options.min_length)) return nullptr;
  ContentCoding coding = requested_coding(options, request);
  if (coding == ContentCoding::identity) return nullptr;
  auto compressor = std::make_unique<ResponseCompressor>(
      make_content_encoder(coding, coding == ContentCoding::gzip ? options.gzip_level : options.brotli_quality));
  set_content_encoding(headers, coding);
  encode_in_place(*compressor->encoder_, chunk, finishing);
  if (finishing) headers.set("Content-Length", std::to_string(chunk.size()));
  else headers.remove("Content-Length");
  return compressor;
}

ResponseCompressor::ResponseCompressor(std::unique_ptr<ContentEncoder> encoder) : encoder_(std::move(encoder)) {}
ResponseCompressor::~ResponseCompressor() = default;

void ResponseCompressor::transform_chunk(std::string& chunk, bool finishing) {
  if (chunk.empty() && !finishing) return;
  encode_in_place(*encoder_, chunk, finishing);
}

}  // namespace updraft
