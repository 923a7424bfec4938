// Area resizing and centre cropping (data/image.h); decoding is data/image_decode.cpp.
#include "data/image.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "autograd/ops.h"
#include "tensor/error.h"

namespace murine {

namespace {

void check_image(const Tensor& image, const char* op) {
  MURINE_CHECK(image.defined() && image.rank() == 3,
               op << ": expected an image (C, H, W); got "
                  << (image.defined() ? shape_str(image.shape()) : std::string("an undefined tensor")));
  MURINE_CHECK(image.device() == Device::CPU, op << ": images are CPU tensors");
}

// The weights of area resampling along one axis: out[o] = Σ_i w(o, i)·in[i], where w(o, i) is the
// length of [o·n/m, (o+1)·n/m) ∩ [i, i+1) divided by n/m. Stored as (first input, weights) per output.
struct AxisWeights {
  std::vector<int> first;
  std::vector<std::vector<float>> weights;
};

AxisWeights area_weights(int in_size, int out_size) {
  AxisWeights a;
  const double step = (double)in_size / out_size;
  for (int o = 0; o < out_size; ++o) {
    const double lo = o * step, hi = (o + 1) * step;
    const int i0 = (int)std::floor(lo), i1 = std::min(in_size, (int)std::ceil(hi));
    std::vector<float> w;
    for (int i = i0; i < i1; ++i) w.push_back((float)((std::min(hi, i + 1.0) - std::max(lo, (double)i)) / step));
    a.first.push_back(i0);
    a.weights.push_back(std::move(w));
  }
  return a;
}

}  // namespace

// Separable: rows first (H → height), then columns (W → width).
Tensor resize_area(const Tensor& image, int height, int width) {
  check_image(image, "resize_area");
  MURINE_CHECK(height >= 1 && width >= 1, "resize_area: size must be positive; got " << height << " x " << width);
  const int C = (int)image.size(0), H = (int)image.size(1), W = (int)image.size(2);
  MURINE_CHECK(H >= 1 && W >= 1, "resize_area: empty image " << shape_str(image.shape()));
  const AxisWeights ay = area_weights(H, height), ax = area_weights(W, width);
  const float* in = image.data();
  std::vector<float> rows((size_t)C * height * W, 0.0f);
  for (int c = 0; c < C; ++c)
    for (int y = 0; y < height; ++y) {
      float* dst = &rows[((size_t)c * height + y) * W];
      for (size_t k = 0; k < ay.weights[y].size(); ++k) {
        const float* src = in + ((int64_t)c * H + ay.first[y] + (int64_t)k) * W;
        const float w = ay.weights[y][k];
        for (int x = 0; x < W; ++x) dst[x] += w * src[x];
      }
    }
  Tensor out = Tensor::empty({C, height, width});
  float* o = out.data();
  for (int r = 0; r < C * height; ++r)
    for (int x = 0; x < width; ++x) {
      float v = 0.0f;
      for (size_t k = 0; k < ax.weights[x].size(); ++k) v += ax.weights[x][k] * rows[(size_t)r * W + ax.first[x] + k];
      o[(int64_t)r * width + x] = v;
    }
  return out;
}

Tensor center_crop(const Tensor& image, int height, int width) {
  check_image(image, "center_crop");
  const int64_t H = image.size(1), W = image.size(2);
  MURINE_CHECK(height >= 1 && width >= 1 && height <= H && width <= W,
               "center_crop: cannot cut " << height << " x " << width << " from an image "
                                          << shape_str(image.shape()));
  const int64_t top = (H - height) / 2, left = (W - width) / 2;
  return slice(slice(image, 1, top, top + height), 2, left, left + width);
}

Tensor resize_and_center_crop(const Tensor& image, int size) {
  check_image(image, "resize_and_center_crop");
  MURINE_CHECK(size >= 1, "resize_and_center_crop: size must be positive; got " << size);
  const double H = (double)image.size(1), W = (double)image.size(2);
  const double scale = size / std::min(H, W);
  const int height = std::max(size, (int)std::lround(H * scale)), width = std::max(size, (int)std::lround(W * scale));
  Tensor resized = (height == H && width == W) ? image : resize_area(image, height, width);
  return center_crop(resized, size, size);
}

Tensor load_image(const std::string& path, int size) {
  return resize_and_center_crop(decode_image(path), size);
}

}  // namespace murine
