// The --device option shared by `murine train`, `sample` and `bench`.
#include "tensor/backend.h"
#include "tensor/error.h"
#include "tools/command.h"

namespace murine::cli {

Device parse_device(const std::string& name, const std::string& command) {
  MURINE_CHECK(name == "cpu" || name == "cuda", command << ": --device must be cpu or cuda, got '" << name << "'");
  const Device device = name == "cuda" ? Device::CUDA : Device::CPU;
  MURINE_CHECK(device_built(device), command << ": --device cuda needs a CUDA build of murine (make CUDA=1)");
  MURINE_CHECK(device_available(device), command << ": --device cuda: no CUDA device is visible on this machine");
  return device;
}

}  // namespace murine::cli
