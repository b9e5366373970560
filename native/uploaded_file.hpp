// An uploaded file of a multipart/form-data request, an entry of Tornado's request.files: small ones in memory,
// larger ones in a temporary file that is removed when the request is over.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace updraft {

struct UploadedFile {
  std::string filename;  // as the client sent it: a name to show, never a path to write to
  std::string content_type;
  std::string body;  // the contents, when they stayed in memory (path empty)
  std::string path;  // the temporary file holding the contents otherwise (body empty)
  std::uint64_t size = 0;
};

// Field name -> the files sent under it, in order.
using UploadedFiles = std::map<std::string, std::vector<UploadedFile>, std::less<>>;

}  // namespace updraft
