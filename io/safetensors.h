// safetensors files (Hugging Face's `safetensors` package): named arrays plus optional string
// metadata in one file. read_safetensors/write_safetensors move HostArrays bit for bit;
// load_safetensors/save_safetensors are the float32 Tensor conveniences.
//
// Format:
//   N (uint64, little-endian)  header (N bytes of UTF-8 JSON)  data buffer (the rest of the file)
//   header = {"__metadata__": {"key": "value", ...},   (optional, strings only)
//             "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...}
//   Offsets are bytes into the data buffer. Each tensor is row-major little-endian bytes, and the
//   tensors tile the buffer exactly: no gaps, no overlaps, nothing after the last.
// Supported dtypes: "F32" float32, "F64" float64, "U8" uint8, "I64" int64.
#pragma once
#include <map>
#include <string>

#include "io/host_array.h"

namespace murine {

using SafetensorsMetadata = std::map<std::string, std::string>;

// Throws murine::Error naming the path and the problem for: a header length beyond the file or
// beyond 100 MB, invalid JSON, a malformed entry, an unsupported dtype (named, e.g. BF16), and
// data_offsets that are out of range, overlap, leave gaps or disagree with dtype and shape.
std::map<std::string, HostArray> read_safetensors(const std::string& path);
// Only the "__metadata__" entry (empty when absent); reads the header, not the data.
SafetensorsMetadata read_safetensors_metadata(const std::string& path);

// Writes what the Python package's save_file writes: tensors ordered by dtype size (largest
// first, so every tensor is aligned to its element size), then by name; compact JSON with
// "__metadata__" first; the header padded with spaces to a multiple of 8 bytes. Empty metadata
// writes no "__metadata__" entry. The write is atomic (io/atomic_file.h).
void write_safetensors(const std::string& path, const std::map<std::string, HostArray>& tensors,
                       const SafetensorsMetadata& metadata = {});

// read_safetensors then to_tensor on each array (conversion rules in io/host_array.h).
std::map<std::string, Tensor> load_safetensors(const std::string& path, Device device = Device::CPU);
// from_tensor on each tensor then write_safetensors: all "F32".
void save_safetensors(const std::string& path, const std::map<std::string, Tensor>& tensors,
                      const SafetensorsMetadata& metadata = {});

}  // namespace murine
