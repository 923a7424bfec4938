// The one exception type murine throws for a caller's mistake (bad shapes, arguments, files).
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>

namespace murine {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// MURINE_CHECK(cond, "matmul: ..." << x): throws murine::Error with the streamed message.
#define MURINE_CHECK(cond, msg)                   \
  do {                                            \
    if (!(cond)) {                                \
      std::ostringstream murine_check_os_;        \
      murine_check_os_ << msg;                    \
      throw ::murine::Error(murine_check_os_.str()); \
    }                                             \
  } while (0)

}  // namespace murine
