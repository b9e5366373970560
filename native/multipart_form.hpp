// A multipart/form-data request body as it arrives: fields become body arguments, files are kept in memory up to a
// threshold and spooled to temporary files past it (removed with the form), a malformed body is remembered as an error.
#pragma once

#include <cstddef>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "core/http/url.hpp"
#include "native/multipart_parser.hpp"
#include "native/uploaded_file.hpp"

namespace updraft {

class MultipartForm : private MultipartSink {
 public:
  static constexpr std::size_t kDefaultSpoolThreshold = 64 * 1024;

  MultipartForm(std::string_view boundary, std::size_t spool_threshold = kDefaultSpoolThreshold,
                MultipartLimits limits = {});
  ~MultipartForm() override;  // removes the spooled files
  MultipartForm(const MultipartForm&) = delete;
  MultipartForm& operator=(const MultipartForm&) = delete;

  // Feeds the next piece of the body; after an error the rest is ignored.
  void feed(std::string_view piece);
  // The body is complete: checks that it ended as it should.
  void finish();
  // Why the body is malformed (or could not be spooled), for the 400 page; nullopt if it is fine so far.
  const std::optional<std::string>& error() const { return error_; }

  const Arguments& fields() const { return fields_; }
  const UploadedFiles& files() const { return files_; }

 private:
  void part_begin(const PartHeaders& headers) override;
  void part_data(std::string_view bytes) override;
  void part_end() override;
  void spool(std::string_view bytes);
  void fail(std::string message);

  MultipartParser parser_;
  std::size_t spool_threshold_;
  Arguments fields_;
  UploadedFiles files_;
  UploadedFile* file_ = nullptr;  // the file part being received, if any
  std::string* field_ = nullptr;  // the field part being received, if any
  std::FILE* spool_ = nullptr;    // the open temporary file of file_, once it passed the threshold
  std::optional<std::string> error_;
};

}  // namespace updraft
