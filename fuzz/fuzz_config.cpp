// libFuzzer harness: models/trainable.h ModelConfig::from_json on the bytes as JSON (bytes that are not JSON
// at all are skipped: parsing is nlohmann's, the config reader is ours).
// murine::Error is the expected answer to bad bytes; anything else (a crash, a sanitizer report,
// another exception) is a finding.
#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>

#include "models/trainable.h"
#include "tensor/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nlohmann::json j = nlohmann::json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;
  try {
    murine::ModelConfig::from_json(j);
  } catch (const murine::Error&) {
  }
  return 0;
}
