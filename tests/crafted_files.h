// Crafted bad files shared by the reader tests and the CLI's hostile-input test: images whose headers
// lie, and the JPEG whose Huffman table overflowed stb_image.
#pragma once
#include <zlib.h>

#include <cstdint>
#include <string>

namespace murine::testing {

inline void put_u32_be(std::string& s, uint32_t v) {
  for (int i = 3; i >= 0; --i) s += (char)((v >> (8 * i)) & 0xFF);
}

// One PNG chunk with its CRC.
inline std::string png_chunk(const std::string& type, const std::string& data) {
  std::string c;
  put_u32_be(c, (uint32_t)data.size());
  const std::string body = type + data;
  c += body;
  put_u32_be(c, (uint32_t)crc32(0, reinterpret_cast<const Bytef*>(body.data()), (uInt)body.size()));
  return c;
}

// A PNG whose header declares width × height (8-bit RGB) with a token IDAT: valid up to the pixels.
inline std::string png_declaring(uint32_t width, uint32_t height) {
  std::string ihdr;
  put_u32_be(ihdr, width);
  put_u32_be(ihdr, height);
  ihdr += std::string("\x08\x02\x00\x00\x00", 5);
  return std::string("\x89PNG\r\n\x1a\n", 8) + png_chunk("IHDR", ihdr) +
         png_chunk("IDAT", std::string("\x78\x9c\x03\x00\x00\x00\x00\x01", 8)) + png_chunk("IEND", "");
}

// SOI, then a DHT whose 16 code counts add up to 512 (a table holds at most 256), then EOI.
inline std::string jpeg_with_512_huffman_codes() {
  const std::string dht = std::string("\x00", 1) + std::string(16, '\x20') + std::string(512, '\x01');
  const uint16_t length = (uint16_t)(2 + dht.size());
  return std::string("\xFF\xD8\xFF\xC4", 4) + (char)(length >> 8) + (char)(length & 0xFF) + dht +
         std::string("\xFF\xD9", 2);
}

}  // namespace murine::testing
