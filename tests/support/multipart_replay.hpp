// Replays a multipart/form-data body through a MultipartParser in pieces and writes down the parts it reported, for
// the parser's unit tests and its fuzz target: the same bytes must give the same transcript however they are cut.
#pragma once

#include <string>
#include <string_view>

#include "native/multipart_parser.hpp"
#include "support/parser_replay.hpp"

namespace updraft::testing {

// Small limits, so that bodies past them stay short enough to replay byte by byte at every cut.
inline MultipartLimits small_multipart_limits() {
  return MultipartLimits{.max_parts = 3, .max_part_header_bytes = 128};
}

class MultipartReplay : public Replays<MultipartReplay, std::string, MultipartLimits>, private MultipartSink {
 public:
  MultipartReplay(const std::string& boundary, const MultipartLimits& limits) : parser_(boundary, *this, limits) {}

  bool feed(std::string_view piece) {
    try {
      parser_.feed(piece);
      return true;
    } catch (const MultipartError& e) {
      return failed(e);
    }
  }

  std::string finish() {
    if (failed_) return transcript_;
    try {
      parser_.finish();
      transcript_ += "end\n";
    } catch (const MultipartError& e) {
      failed(e);
    }
    return transcript_;
  }

 private:
  void part_begin(const PartHeaders& h) override {
    if (in_part_) transcript_ += "part_begin inside a part\n";
    in_part_ = true;
    transcript_ += "part name=" + h.name + " filename=" + (h.filename ? "[" + *h.filename + "]" : "none") +
                   " type=" + h.content_type + " data=";
  }
  void part_data(std::string_view bytes) override {
    if (!in_part_) transcript_ += "data outside a part\n";
    if (bytes.empty()) transcript_ += "(empty piece)";
    transcript_.append(bytes);
  }
  void part_end() override {
    in_part_ = false;
    transcript_ += "\n";
  }
  bool failed(const MultipartError& e) {
    transcript_ += (in_part_ ? "\n" : "") + std::string("error ") + e.what() + "\n";
    failed_ = true;
    return false;
  }

  MultipartParser parser_;
  std::string transcript_;
  bool in_part_ = false;
  bool failed_ = false;
};

}  // namespace updraft::testing
