// CsvLog: header written atomically, rows appended one whole line per write.
#include "train/csv_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>

#include "io/atomic_file.h"
#include "tensor/error.h"

namespace murine {

namespace {
std::string join(const std::vector<std::string>& columns) {
  std::string s;
  for (size_t i = 0; i < columns.size(); ++i) s += (i ? "," : "") + columns[i];
  return s;
}
}  // namespace

CsvLog::CsvLog(std::string path, std::vector<std::string> columns, bool append)
    : path_(std::move(path)), columns_(std::move(columns)) {
  std::string header = join(columns_);
  bool exists = std::ifstream(path_).good();
  if (append && exists) {
    std::ifstream in(path_);
    std::string first;
    std::getline(in, first);
    MURINE_CHECK(first == header, "CsvLog: '" << path_ << "' has header '" << first << "', expected '" << header << "'");
  } else {
    AtomicFile file(path_, "CsvLog");
    std::string line = header + "\n";
    file.write(line.data(), line.size());
    file.commit();
  }
  fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  MURINE_CHECK(fd_ >= 0, "CsvLog: cannot open '" << path_ << "' for appending: " << std::strerror(errno));
}

CsvLog::~CsvLog() {
  if (fd_ >= 0) ::close(fd_);
}

void CsvLog::row(const std::vector<double>& values) {
  MURINE_CHECK(values.size() == columns_.size(), "CsvLog: " << values.size() << " values for " << columns_.size()
                                                            << " columns (" << join(columns_) << ")");
  std::string line;
  char buf[64];
  for (size_t i = 0; i < values.size(); ++i) {
    double v = values[i];
    if (i) line += ",";
    if (std::isnan(v)) continue;  // an absent value: an empty field
    if (v == std::floor(v) && std::fabs(v) < 1e15)
      std::snprintf(buf, sizeof buf, "%lld", (long long)v);
    else
      std::snprintf(buf, sizeof buf, "%.9g", v);
    line += buf;
  }
  line += "\n";
  ssize_t n = ::write(fd_, line.data(), line.size());
  MURINE_CHECK(n == (ssize_t)line.size(), "CsvLog: cannot append to '" << path_ << "': " << std::strerror(errno));
}

}  // namespace murine
