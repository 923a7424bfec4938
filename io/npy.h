// NumPy .npy files (numpy.save / numpy.load): one array per file. read_npy/write_npy move a
// HostArray bit for bit; load_npy/save_npy are the float32 Tensor conveniences.
//
// Format (NEP 1, numpy.lib.format):
//   "\x93NUMPY"  major  minor  header_len  header  data
//   header_len is a little-endian uint16 in version 1.0, uint32 in 2.0 and 3.0; the header is a
//   Python dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } padded with
//   spaces and a final '\n' so the data starts at a multiple of 64 bytes; latin-1 text in 1.0 and
//   2.0, UTF-8 in 3.0. The data is numel · itemsize raw bytes in C order.
// Supported dtypes: '<f4' float32, '<f8' float64, '|u1' (or '<u1') uint8, '<i8' int64.
#pragma once
#include <string>

#include "io/host_array.h"

namespace murine {

// Reads versions 1.0, 2.0 and 3.0. Throws murine::Error naming the path and the problem for a
// bad magic string, an unparseable header, an unsupported dtype (named), big-endian data,
// fortran_order True, and data whose size does not match the shape (truncated or trailing bytes).
HostArray read_npy(const std::string& path);
// Writes exactly what numpy.save writes for the same array (version 1.0, or 2.0 when the header
// outgrows 65535 bytes), atomically (io/atomic_file.h).
void write_npy(const std::string& path, const HostArray& array);

// read_npy then to_tensor (conversion rules in io/host_array.h).
Tensor load_npy(const std::string& path, Device device = Device::CPU);
// from_tensor then write_npy: a '<f4' file.
void save_npy(const std::string& path, const Tensor& tensor);

}  // namespace murine
