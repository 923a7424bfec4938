// A CSV log that grows one complete line per write (losses.csv: step, d_loss, g_loss, …). A new log
// is created with its header atomically; each row is one write(2) of a whole line, so a crash never
// damages rows already written. Resuming appends after checking the header matches.
#pragma once
#include <string>
#include <vector>

namespace murine {

class CsvLog {
 public:
  // append = false: (re)creates `path` with the header; true: keeps existing rows (the header must
  // match `columns`; a missing file is created).
  CsvLog(std::string path, std::vector<std::string> columns, bool append);
  ~CsvLog();
  CsvLog(const CsvLog&) = delete;
  CsvLog& operator=(const CsvLog&) = delete;
  // One row; values.size() must equal the number of columns. Integers print without decimals; NaN
  // (a value that does not exist, such as a missing split's loss) prints as an empty field.
  void row(const std::vector<double>& values);

 private:
  std::string path_;
  std::vector<std::string> columns_;
  int fd_ = -1;
};

}  // namespace murine
