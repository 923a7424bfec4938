// expect_error: the one helper every test file uses to check a caller's mistake — f must throw
// murine::Error, and the message must contain each fragment (the op or layer, the argument, the shapes).
#pragma once
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tensor/error.h"

namespace murine::testing {

template <typename F>
void expect_error(F&& f, const std::vector<std::string>& fragments) {
  try {
    f();
    ADD_FAILURE() << "no murine::Error thrown; expected one mentioning '" << fragments.front() << "'";
  } catch (const Error& e) {
    const std::string message = e.what();
    for (const std::string& fragment : fragments)
      EXPECT_NE(message.find(fragment), std::string::npos)
          << "message '" << message << "' lacks '" << fragment << "'";
  }
}

}  // namespace murine::testing
