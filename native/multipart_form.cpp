// MultipartForm: collects fields and files from the parser's parts; spooled files live in the temporary directory
// under names of our own (mkstemp), whatever filename the client sent.
#include "native/multipart_form.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <utility>

namespace updraft {

MultipartForm::MultipartForm(std::string_view boundary, std::size_t spool_threshold, MultipartLimits limits)
    : parser_(boundary, *this, limits), spool_threshold_(spool_threshold) {}

MultipartForm::~MultipartForm() {
  if (spool_) std::fclose(spool_);
  for (const auto& [name, files] : files_)
    for (const auto& file : files)
      if (!file.path.empty()) ::unlink(file.path.c_str());
}

void MultipartForm::feed(std::string_view piece) {
  if (error_) return;
  try {
    parser_.feed(piece);
  } catch (const MultipartError& e) {
    fail(e.what());
  }
}

void MultipartForm::finish() {
  if (error_) return;
  try {
    parser_.finish();
  } catch (const MultipartError& e) {
    fail(e.what());
  }
}

void MultipartForm::fail(std::string message) {
  error_ = std::move(message);
  file_ = nullptr;
  field_ = nullptr;
}

void MultipartForm::part_begin(const PartHeaders& headers) {
  if (headers.filename) {
    auto& files = files_[headers.name];
    file_ = &files.emplace_back();
    file_->filename = *headers.filename;
    file_->content_type = headers.content_type;
  } else {
    fields_.emplace_back(headers.name, std::string());
    field_ = &fields_.back().second;
  }
}

void MultipartForm::part_data(std::string_view bytes) {
  if (error_) return;
  if (field_) return static_cast<void>(field_->append(bytes));
  file_->size += bytes.size();
  if (spool_ || file_->body.size() + bytes.size() > spool_threshold_) return spool(bytes);
  file_->body.append(bytes);
}

void MultipartForm::part_end() {
  if (spool_ && std::fclose(std::exchange(spool_, nullptr)) != 0 && !error_) fail("could not write an upload to disk");
  file_ = nullptr;
  field_ = nullptr;
}

// Moves what file_ holds in memory into a new temporary file, then appends bytes to it.
void MultipartForm::spool(std::string_view bytes) {
  if (!spool_) {
    std::error_code no_directory;
    auto directory = std::filesystem::temp_directory_path(no_directory);
    std::string path = ((no_directory ? "/tmp" : directory) / "updraft-upload-XXXXXX").string();
    int fd = ::mkostemp(path.data(), O_CLOEXEC);
    if (fd < 0) return fail("could not create a temporary file for an upload");
    file_->path = path;  // from now on the destructor removes it
    spool_ = ::fdopen(fd, "wb");
    if (!spool_) {
      ::close(fd);
      return fail("could not create a temporary file for an upload");
    }
    std::string held = std::exchange(file_->body, {});
    if (std::fwrite(held.data(), 1, held.size(), spool_) != held.size())
      return fail("could not write an upload to disk");
  }
  if (std::fwrite(bytes.data(), 1, bytes.size(), spool_) != bytes.size()) fail("could not write an upload to disk");
}

}  // namespace updraft
