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

// The weights of area resampling along one axis, for outputs [first, first + count) of an axis of
// out_size: out[o] = Σ_i w(o, i)·in[i], where w(o, i) is the length of [o·n/m, (o+1)·n/m) ∩ [i, i+1)
// divided by n/m. Each output's inputs are one run, start[k] … start[k] + (offset[k+1] − offset[k]),
// with their weights at weights[offset[k] …]: memory proportional to the outputs asked for (and the
// input span they cover), not to out_size.
struct AxisWeights {
  std::vector<int64_t> start, offset;
  std::vector<float> weights;
  int64_t taps(size_t k) const { return offset[k + 1] - offset[k]; }
};

AxisWeights area_weights(int64_t in_size, int64_t out_size, int64_t first, int64_t count) {
  AxisWeights a;
  const double step = (double)in_size / (double)out_size;
  a.offset.push_back(0);
  for (int64_t o = first; o < first + count; ++o) {
    const double lo = (double)o * step, hi = (double)(o + 1) * step;
    const int64_t i0 = (int64_t)std::floor(lo), i1 = std::min(in_size, (int64_t)std::ceil(hi));
    for (int64_t i = i0; i < i1; ++i)
      a.weights.push_back((float)((std::min(hi, i + 1.0) - std::max(lo, (double)i)) / step));
    a.start.push_back(i0);
    a.offset.push_back((int64_t)a.weights.size());
  }
  return a;
}

// The window [top, top + h) × [left, left + w) of (C, H, W) resized to (C, height, width), computed
// without the rest of the resized image. Separable: rows first (H → h rows), then columns.
Tensor resize_window(const Tensor& image, int64_t height, int64_t width, int64_t top, int64_t left, int64_t h,
                     int64_t w) {
  const int64_t C = image.size(0), H = image.size(1), W = image.size(2);
  const AxisWeights ay = area_weights(H, height, top, h), ax = area_weights(W, width, left, w);
  const float* in = image.data();
  std::vector<float> rows((size_t)(C * h * W), 0.0f);  // the window's rows at the input's width
  for (int64_t c = 0; c < C; ++c)
    for (int64_t y = 0; y < h; ++y) {
      float* dst = &rows[(size_t)((c * h + y) * W)];
      for (int64_t k = 0; k < ay.taps(y); ++k) {
        const float* src = in + (c * H + ay.start[y] + k) * W;
        const float wk = ay.weights[ay.offset[y] + k];
        for (int64_t x = 0; x < W; ++x) dst[x] += wk * src[x];
      }
    }
  Tensor out = Tensor::empty({C, h, w});
  float* o = out.data();
  for (int64_t r = 0; r < C * h; ++r)
    for (int64_t x = 0; x < w; ++x) {
      float v = 0.0f;
      for (int64_t k = 0; k < ax.taps(x); ++k) v += ax.weights[ax.offset[x] + k] * rows[(size_t)(r * W + ax.start[x] + k)];
      o[r * w + x] = v;
    }
  return out;
}

}  // namespace

Tensor resize_area(const Tensor& image, int height, int width) {
  check_image(image, "resize_area");
  MURINE_CHECK(height >= 1 && width >= 1, "resize_area: size must be positive; got " << height << " x " << width);
  MURINE_CHECK(image.size(1) >= 1 && image.size(2) >= 1, "resize_area: empty image " << shape_str(image.shape()));
  return resize_window(image, height, width, 0, 0, height, width);
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
  MURINE_CHECK(H >= 1 && W >= 1, "resize_and_center_crop: empty image " << shape_str(image.shape()));
  const double scale = size / std::min(H, W);
  const int64_t height = std::max<int64_t>(size, std::llround(H * scale)),
                width = std::max<int64_t>(size, std::llround(W * scale));
  if (height == H && width == W) return center_crop(image, size, size);
  // the centred size × size window of the image resized to height × width (the crop center_crop
  // would cut), computed alone: memory for the output, not for the whole resized image
  return resize_window(image, height, width, (height - size) / 2, (width - size) / 2, size, size);
}

Tensor load_image(const std::string& path, int size) {
  return resize_and_center_crop(decode_image(path), size);
}

}  // namespace murine
