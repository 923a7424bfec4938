// What every harness shares: the fuzzer's bytes written to a file of a chosen name in a temp
// folder private to this process (the readers take paths), and removed again.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace murine::fuzz {

// Writes data to <process temp dir>/<name> and returns the path; the folder is made once.
std::string write_input(const uint8_t* data, size_t size, const std::string& name);

// The process's temp folder (made on first use), for harnesses that need a folder of files.
std::string input_dir();

}  // namespace murine::fuzz
