// NumPy .npy reading and writing (the format is summarised in io/npy.h).
#include "io/npy.h"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string_view>

#include "io/atomic_file.h"

namespace murine {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;
constexpr size_t kArrayAlign = 64;             // numpy.lib.format.ARRAY_ALIGN
constexpr size_t kGrowthAxisMaxDigits = 21;    // numpy.lib.format.GROWTH_AXIS_MAX_DIGITS

// The header text for an error message: at most 160 characters, bytes outside ASCII escaped.
std::string printable(std::string_view text) {
  std::string out;
  for (unsigned char c : text.substr(0, 160)) {
    if (c >= 0x20 && c < 0x7f) {
      out += (char)c;
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  return text.size() > 160 ? out + "..." : out;
}

// The descr numpy writes for each dtype ('|' marks a one-byte type, which has no byte order).
const char* npy_descr(DType dtype) {
  switch (dtype) {
    case DType::F32: return "<f4";
    case DType::F64: return "<f8";
    case DType::U8: return "|u1";
    case DType::I64: return "<i8";
  }
  return "?";
}

// descr = byte order ('<' little, '>' big, '|' not applicable) + kind + item size.
DType dtype_from_descr(const std::string& descr, const std::string& where) {
  std::string type = descr.size() == 3 ? descr.substr(1) : "";
  char order = descr.empty() ? '?' : descr[0];
  if (type == "u1" && (order == '|' || order == '<' || order == '>')) return DType::U8;
  if (type == "f4" || type == "f8" || type == "i8") {
    MURINE_CHECK(order != '>', where << "big-endian dtype '" << descr << "' is not supported; "
                                     << "convert with arr.astype('<" << type << "')");
    if (order == '<') return type == "f4" ? DType::F32 : type == "f8" ? DType::F64 : DType::I64;
  }
  MURINE_CHECK(false, where << "unsupported dtype '" << printable(descr)
                            << "' (murine reads '<f4', '<f8', '|u1', '<i8')");
  return DType::F32;
}

struct NpyHeader {
  std::string descr;
  bool fortran_order = false;
  Shape shape;
};

// Reads the header's Python dict literal. Only what numpy writes is accepted: string keys, and
// a string ('descr'), True/False ('fortran_order') or a tuple of integers ('shape') as values.
struct HeaderParser {
  std::string_view text;
  const std::string& where;  // "read_npy: '<path>': "
  size_t pos = 0;

  [[noreturn]] void fail(const std::string& what) const {
    throw Error(where + "header not parseable: " + what + " at character " + std::to_string(pos) +
                " of \"" + printable(text) + "\"");
  }
  void skip_spaces() {
    auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    while (pos < text.size() && space(text[pos])) ++pos;
  }
  bool consume(char c) {
    skip_spaces();
    if (pos < text.size() && text[pos] == c) return ++pos, true;
    return false;
  }
  void expect(char c) {
    if (!consume(c)) fail(std::string("expected '") + c + "'");
  }
  std::string string_literal() {
    skip_spaces();
    if (pos >= text.size() || (text[pos] != '\'' && text[pos] != '"')) fail("expected a string");
    size_t end = text.find(text[pos], pos + 1);
    if (end == std::string_view::npos) fail("unterminated string");
    std::string s(text.substr(pos + 1, end - pos - 1));
    pos = end + 1;
    return s;
  }
  bool boolean() {
    skip_spaces();
    for (auto [word, value] : {std::pair{"True", true}, std::pair{"False", false}}) {
      if (text.substr(pos).starts_with(word)) return pos += std::strlen(word), value;
    }
    fail("expected True or False");
  }
  int64_t dimension() {
    skip_spaces();
    int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data() + pos, text.data() + text.size(), value);
    if (ec != std::errc() || value < 0) fail("expected a non-negative integer dimension");
    pos = end - text.data();
    if (pos < text.size() && (text[pos] == 'L' || text[pos] == 'l')) ++pos;  // Python 2 long
    return value;
  }
  Shape tuple() {
    Shape shape;
    expect('(');
    while (!consume(')')) {
      shape.push_back(dimension());
      if (!consume(',')) {
        expect(')');
        break;
      }
    }
    return shape;
  }
  NpyHeader dict() {
    NpyHeader h;
    bool seen_descr = false, seen_fortran_order = false, seen_shape = false;
    expect('{');
    while (!consume('}')) {
      std::string key = string_literal();
      expect(':');
      if (key == "descr") {
        skip_spaces();
        MURINE_CHECK(text.substr(pos, 1) != "[", where << "structured dtype (descr "
                                                       << printable(text.substr(pos, 40))
                                                       << "...) is not supported");
        h.descr = string_literal();
        seen_descr = true;
      } else if (key == "fortran_order") {
        h.fortran_order = boolean();
        seen_fortran_order = true;
      } else if (key == "shape") {
        h.shape = tuple();
        seen_shape = true;
      } else {
        fail("unexpected key '" + printable(key) + "'");
      }
      if (!consume(',')) {
        expect('}');
        break;
      }
    }
    skip_spaces();
    if (pos != text.size()) fail("unexpected text after the dict");
    if (!seen_descr || !seen_fortran_order || !seen_shape)
      fail("the dict needs the keys 'descr', 'fortran_order' and 'shape'");
    return h;
  }
};

}  // namespace

HostArray read_npy(const std::string& path) {
  const std::string where = "read_npy: '" + path + "': ";
  std::ifstream in(path, std::ios::binary);
  MURINE_CHECK(in, where << "cannot open: " << std::strerror(errno));
  std::error_code ec;
  const uint64_t file_size = std::filesystem::file_size(path, ec);
  MURINE_CHECK(!ec, where << "cannot read the file size: " << ec.message());
  auto read_exact = [&](void* dst, uint64_t size, const char* what) {
    in.read(static_cast<char*>(dst), (std::streamsize)size);
    MURINE_CHECK((uint64_t)in.gcount() == size, where << "file ends inside the " << what);
  };

  // Magic string, version, header length.
  MURINE_CHECK(file_size >= kMagicSize + 4, where << "file is " << file_size
                                                 << " bytes, too short for an .npy header");
  char prefix[kMagicSize + 2];
  read_exact(prefix, sizeof prefix, "magic string");
  MURINE_CHECK(std::memcmp(prefix, kMagic, kMagicSize) == 0,
               where << "bad magic string \"" << printable({prefix, kMagicSize})
                     << "\": not an .npy file (expected \"\\x93NUMPY\")");
  const int major = (unsigned char)prefix[6], minor = (unsigned char)prefix[7];
  MURINE_CHECK(major >= 1 && major <= 3 && minor == 0,
               where << "unsupported .npy format version " << major << "." << minor
                     << " (murine reads 1.0, 2.0 and 3.0)");
  const size_t length_size = major == 1 ? 2 : 4;  // uint16 in 1.0, uint32 in 2.0 and 3.0
  unsigned char length_bytes[4] = {0, 0, 0, 0};
  read_exact(length_bytes, length_size, "header length");
  uint64_t header_length = 0;
  for (size_t i = 0; i < length_size; ++i) header_length |= (uint64_t)length_bytes[i] << (8 * i);
  const uint64_t data_start = sizeof prefix + length_size + header_length;
  MURINE_CHECK(data_start <= file_size,
               where << "header length " << header_length << " exceeds file size " << file_size);

  // Header dict.
  std::string header(header_length, '\0');
  read_exact(header.data(), header_length, "header");
  NpyHeader h = HeaderParser{header, where}.dict();
  const DType dtype = dtype_from_descr(h.descr, where);
  MURINE_CHECK(!h.fortran_order,
               where << "fortran_order True is not supported; save with np.ascontiguousarray");

  // Data: its size is checked against the file before anything is allocated.
  const uint64_t expected = byte_size(dtype, h.shape, where + "header");
  const uint64_t available = file_size - data_start;
  MURINE_CHECK(available >= expected, where << "truncated data: expected " << expected
                                            << " bytes for " << dtype_name(dtype) << " shape "
                                            << shape_str(h.shape) << ", file has " << available);
  MURINE_CHECK(available == expected,
               where << "shape mismatch: " << dtype_name(dtype) << " shape " << shape_str(h.shape)
                     << " needs " << expected << " bytes of data, file has " << available);
  HostArray array{dtype, h.shape, std::vector<uint8_t>(expected)};
  read_exact(array.bytes.data(), expected, "data");
  return array;
}

void write_npy(const std::string& path, const HostArray& array) {
  array.check("write_npy");
  // The dict exactly as numpy.save writes it: keys sorted, each followed by ", ", then spare
  // spaces so the first dimension can grow in place (GROWTH_AXIS_MAX_DIGITS).
  std::string dict = std::string("{'descr': '") + npy_descr(array.dtype) +
                     "', 'fortran_order': False, 'shape': " + shape_str(array.shape) + ", }";
  if (!array.shape.empty())
    dict.append(kGrowthAxisMaxDigits - std::to_string(array.shape[0]).size(), ' ');

  // Version 1.0 unless the padded header outgrows its uint16 length. Padding: spaces, then '\n',
  // so that magic + version + length + header is a multiple of 64 (always at least one space).
  int major = 1;
  size_t length_size = 2, header_length = 0;
  for (; major <= 2; ++major) {
    length_size = major == 1 ? 2 : 4;
    size_t unpadded = dict.size() + 1;
    header_length = unpadded + kArrayAlign - (kMagicSize + 2 + length_size + unpadded) % kArrayAlign;
    if (major == 2 || header_length <= 0xffff) break;
  }
  std::string header = dict + std::string(header_length - dict.size() - 1, ' ') + "\n";

  std::string prefix(kMagic, kMagicSize);
  prefix += (char)major;
  prefix += (char)0;
  for (size_t i = 0; i < length_size; ++i) prefix += (char)((header_length >> (8 * i)) & 0xff);

  AtomicFile file(path, "write_npy");
  file.write(prefix.data(), prefix.size());
  file.write(header.data(), header.size());
  file.write(array.bytes.data(), array.bytes.size());
  file.commit();
}

Tensor load_npy(const std::string& path, Device device) {
  HostArray array = read_npy(path);
  try {
    return to_tensor(array, device);
  } catch (const Error& e) {  // add the file to the conversion's message
    throw Error("load_npy: '" + path + "': " + e.what());
  }
}

void save_npy(const std::string& path, const Tensor& tensor) { write_npy(path, from_tensor(tensor)); }

}  // namespace murine
