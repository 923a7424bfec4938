// safetensors reading and writing (the format is summarised in io/safetensors.h).
#include "io/safetensors.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <vector>

#include "io/atomic_file.h"
#include "io/json_limits.h"

namespace murine {
namespace {

// The Python package refuses headers above this size (its MAX_HEADER_SIZE).
constexpr uint64_t kMaxHeaderLength = 100'000'000;
constexpr int kMaxHeaderDepth = 8;  // the format needs 3
constexpr size_t kMaxRank = 16;     // dimensions of one tensor
constexpr const char* kMetadataKey = "__metadata__";

const char* safetensors_dtype(DType dtype) {
  switch (dtype) {
    case DType::F32: return "F32";
    case DType::F64: return "F64";
    case DType::U8: return "U8";
    case DType::I64: return "I64";
  }
  return "?";
}

// Position in the Python package's write order: I64, F64, F32, U8 (largest element first).
int write_order(DType dtype) {
  switch (dtype) {
    case DType::I64: return 0;
    case DType::F64: return 1;
    case DType::F32: return 2;
    case DType::U8: return 3;
  }
  return 4;
}

// One tensor's header entry.
struct Entry {
  std::string name;
  DType dtype;
  Shape shape;
  uint64_t begin, end;  // data_offsets
};

struct Header {
  std::vector<Entry> entries;  // sorted by data_offsets
  SafetensorsMetadata metadata;
  uint64_t data_start = 0;     // 8 + N
};

// A JSON non-negative integer that fits int64 (shapes and offsets).
uint64_t json_size(const nlohmann::json& value, const std::string& what) {
  MURINE_CHECK(value.is_number_unsigned() &&
                   value.get<uint64_t>() <= (uint64_t)std::numeric_limits<int64_t>::max(),
               what << " must be a non-negative integer, got " << json_excerpt(value));
  return value.get<uint64_t>();
}

Entry parse_entry(const std::string& name, const nlohmann::json& info, const std::string& where) {
  const std::string what = where + "tensor " + text_excerpt(name);
  MURINE_CHECK(info.is_object(), what << ": entry is not a JSON object: " << json_excerpt(info));
  for (const char* key : {"dtype", "shape", "data_offsets"})
    MURINE_CHECK(info.contains(key), what << ": entry lacks \"" << key << "\"");
  const nlohmann::json& dtype = info["dtype"];
  const nlohmann::json& shape = info["shape"];
  const nlohmann::json& offsets = info["data_offsets"];
  MURINE_CHECK(dtype.is_string(), what << ": dtype must be a string, got " << json_excerpt(dtype));
  MURINE_CHECK(shape.is_array(), what << ": shape must be an array, got " << json_excerpt(shape));
  MURINE_CHECK(offsets.is_array() && offsets.size() == 2,
               what << ": data_offsets must be [begin, end], got " << json_excerpt(offsets));

  Entry e{name, DType::F32, {}, 0, 0};
  const std::string code = dtype.get<std::string>();
  bool known = false;
  for (DType d : {DType::F32, DType::F64, DType::U8, DType::I64})
    if (code == safetensors_dtype(d)) e.dtype = d, known = true;
  MURINE_CHECK(known, what << ": dtype " << text_excerpt(code)
                           << " is not supported (murine reads F32, F64, U8 and I64)");
  MURINE_CHECK(shape.size() <= kMaxRank, what << ": shape has " << shape.size() << " dimensions (at most "
                                               << kMaxRank << ")");
  for (const nlohmann::json& d : shape) e.shape.push_back((int64_t)json_size(d, what + ": shape"));
  e.begin = json_size(offsets[0], what + ": data_offsets");
  e.end = json_size(offsets[1], what + ": data_offsets");
  return e;
}

// Reads and validates the header; leaves `in` at the start of the data buffer.
Header read_header(std::ifstream& in, const std::string& path, const std::string& where) {
  MURINE_CHECK(in, where << "cannot open: " << std::strerror(errno));
  std::error_code ec;
  const uint64_t file_size = std::filesystem::file_size(path, ec);
  MURINE_CHECK(!ec, where << "cannot read the file size: " << ec.message());
  MURINE_CHECK(file_size >= 8, where << "file is " << file_size
                                     << " bytes, too short for the 8-byte header length");
  unsigned char length_bytes[8] = {};
  in.read(reinterpret_cast<char*>(length_bytes), 8);
  uint64_t header_length = 0;
  for (int i = 0; i < 8; ++i) header_length |= (uint64_t)length_bytes[i] << (8 * i);
  MURINE_CHECK(header_length <= file_size - 8,
               where << "header length " << header_length << " exceeds file size " << file_size);
  MURINE_CHECK(header_length <= kMaxHeaderLength, where << "header length " << header_length
                                                        << " exceeds the limit of "
                                                        << kMaxHeaderLength << " bytes");
  std::string text(header_length, '\0');
  in.read(text.data(), (std::streamsize)header_length);
  MURINE_CHECK((uint64_t)in.gcount() == header_length, where << "file ends inside the header");

  // An entry is {"dtype", "shape": [...], "data_offsets": [...]}: 3 levels; __metadata__ 2.
  const nlohmann::json json = parse_json(text, where + "header", {kMaxHeaderLength, kMaxHeaderDepth});
  MURINE_CHECK(json.is_object(), where << "header is not a JSON object");

  Header h;
  h.data_start = 8 + header_length;
  for (const auto& [name, info] : json.items()) {
    if (name != kMetadataKey) {
      h.entries.push_back(parse_entry(name, info, where));
      continue;
    }
    MURINE_CHECK(info.is_object(), where << "__metadata__ must be a JSON object of strings");
    for (const auto& [key, value] : info.items()) {
      MURINE_CHECK(value.is_string(), where << "__metadata__ value of " << text_excerpt(key)
                                            << " must be a string, got " << json_excerpt(value));
      h.metadata[key] = value.get<std::string>();
    }
  }

  // The tensors must tile the data buffer exactly, in offset order.
  std::sort(h.entries.begin(), h.entries.end(), [](const Entry& a, const Entry& b) {
    return std::pair(a.begin, a.end) < std::pair(b.begin, b.end);
  });
  const uint64_t data_size = file_size - h.data_start;
  uint64_t covered = 0;
  for (const Entry& e : h.entries) {
    const std::string what = where + "tensor " + text_excerpt(e.name) + ": data_offsets [" +
                             std::to_string(e.begin) + ", " + std::to_string(e.end) + "]";
    MURINE_CHECK(e.begin <= e.end, what << " end before begin");
    MURINE_CHECK(e.end <= data_size, what << " out of range: the data buffer has " << data_size
                                          << " bytes (file truncated?)");
    MURINE_CHECK(e.begin == covered, what << (e.begin < covered ? " overlap" : " leave a gap after")
                                          << " the previous tensor (expected begin " << covered
                                          << ")");
    const uint64_t expected = byte_size(e.dtype, e.shape, what);
    MURINE_CHECK(e.end - e.begin == expected,
                 what << " hold " << e.end - e.begin << " bytes but " << safetensors_dtype(e.dtype)
                      << " shape " << shape_str(e.shape) << " needs " << expected);
    covered = e.end;
  }
  MURINE_CHECK(covered == data_size, where << "the data buffer has " << data_size
                                           << " bytes but the tensors cover only " << covered);
  return h;
}

}  // namespace

std::map<std::string, HostArray> read_safetensors(const std::string& path) {
  const std::string where = "read_safetensors: '" + path + "': ";
  std::ifstream in(path, std::ios::binary);
  Header h = read_header(in, path, where);
  std::map<std::string, HostArray> arrays;
  for (const Entry& e : h.entries) {  // contiguous, in offset order: one sequential read
    HostArray a{e.dtype, e.shape, std::vector<uint8_t>(e.end - e.begin)};
    in.read(reinterpret_cast<char*>(a.bytes.data()), (std::streamsize)a.bytes.size());
    MURINE_CHECK((uint64_t)in.gcount() == a.bytes.size(),
                 where << "file ends inside the data of tensor " << text_excerpt(e.name));
    arrays[e.name] = std::move(a);
  }
  return arrays;
}

SafetensorsMetadata read_safetensors_metadata(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return read_header(in, path, "read_safetensors_metadata: '" + path + "': ").metadata;
}

void write_safetensors(const std::string& path, const std::map<std::string, HostArray>& tensors,
                       const SafetensorsMetadata& metadata) {
  const std::string where = "write_safetensors: '" + path + "': ";
  std::vector<std::pair<std::string, const HostArray*>> order;
  for (const auto& [name, array] : tensors) {
    MURINE_CHECK(name != kMetadataKey, where << "a tensor cannot be named " << kMetadataKey);
    array.check((where + "tensor '" + name + "'").c_str());
    order.emplace_back(name, &array);
  }
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    return write_order(a.second->dtype) < write_order(b.second->dtype);  // names stay sorted
  });

  // ordered_json keeps insertion order: "__metadata__" first, then the tensors in data order.
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header[kMetadataKey] = metadata;
  uint64_t offset = 0;
  for (const auto& [name, array] : order) {
    nlohmann::ordered_json info = nlohmann::ordered_json::object();
    info["dtype"] = safetensors_dtype(array->dtype);
    info["shape"] = array->shape;
    info["data_offsets"] = nlohmann::ordered_json::array({offset, offset + array->bytes.size()});
    header[name] = std::move(info);
    offset += array->bytes.size();
  }
  std::string text;
  try {
    text = header.dump();  // compact, as serde_json writes it
  } catch (const nlohmann::json::exception& e) {
    MURINE_CHECK(false, where << "cannot encode the header (names and metadata must be UTF-8): "
                              << e.what());
  }
  text.append((8 - text.size() % 8) % 8, ' ');

  unsigned char length_bytes[8];
  for (int i = 0; i < 8; ++i) length_bytes[i] = (unsigned char)((uint64_t)text.size() >> (8 * i));
  AtomicFile file(path, "write_safetensors");
  file.write(length_bytes, 8);
  file.write(text.data(), text.size());
  for (const auto& [name, array] : order) file.write(array->bytes.data(), array->bytes.size());
  file.commit();
}

std::map<std::string, Tensor> load_safetensors(const std::string& path, Device device) {
  std::map<std::string, Tensor> tensors;
  for (const auto& [name, array] : read_safetensors(path)) {
    try {
      tensors[name] = to_tensor(array, device);
    } catch (const Error& e) {  // add the file and tensor to the conversion's message
      throw Error("load_safetensors: '" + path + "': tensor '" + name + "': " + e.what());
    }
  }
  return tensors;
}

void save_safetensors(const std::string& path, const std::map<std::string, Tensor>& tensors,
                      const SafetensorsMetadata& metadata) {
  std::map<std::string, HostArray> arrays;
  for (const auto& [name, tensor] : tensors) arrays[name] = from_tensor(tensor);
  write_safetensors(path, arrays, metadata);
}

}  // namespace murine
