// Keras-style random affine augmentation, flips and channel shifts (data/augment.h).
#include "data/augment.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numbers>

#include "tensor/error.h"
#include "tensor/philox.h"

namespace murine {

namespace {

void check_options(const AugmentOptions& o) {
  MURINE_CHECK(o.width_shift >= 0 && o.width_shift < 1, "augment: width_shift must be a fraction in [0, 1); got " << o.width_shift);
  MURINE_CHECK(o.height_shift >= 0 && o.height_shift < 1, "augment: height_shift must be a fraction in [0, 1); got " << o.height_shift);
  MURINE_CHECK(o.rotation >= 0 && o.rotation <= 180, "augment: rotation must be in [0, 180] degrees; got " << o.rotation);
  MURINE_CHECK(o.zoom >= 0 && o.zoom < 1, "augment: zoom must be in [0, 1); got " << o.zoom);
  MURINE_CHECK(o.channel_shift >= 0 && o.channel_shift <= 1, "augment: channel_shift must be in [0, 1]; got " << o.channel_shift);
}

// [keras random transform] Keras' get_random_transform, from the image's block of kAugmentDraws uniforms u[0 … 7]; a range
// of 0 leaves its parameter at the identity. (tf.keras 2.x draws its tx from height_shift_range·H and,
// after swapping the matrix to (x, y), applies it along the columns; here width_shift moves columns, as
// documented. For square images with equal ranges, as in the reference scripts, the two agree.)
AugmentTransform draw_transform(const AugmentOptions& o, int64_t height, int64_t width, const float* u) {
  const auto symmetric = [](double range, float uniform) { return range * (2.0 * uniform - 1.0); };
  AugmentTransform t;
  t.theta = symmetric(o.rotation, u[0]);
  t.ty = symmetric(o.height_shift, u[1]) * (double)height;
  t.tx = symmetric(o.width_shift, u[2]) * (double)width;
  if (o.zoom > 0) {
    t.zx = 1.0 - o.zoom + 2.0 * o.zoom * u[3];
    t.zy = 1.0 - o.zoom + 2.0 * o.zoom * u[4];
  }
  t.flip = o.horizontal_flip && u[5] < 0.5f;
  t.channel_shift = o.channel_shift > 0;
  t.channel_intensity = symmetric(o.channel_shift, u[6]);
  return t;
}

// [keras affine transform] out(p) = bilinear(in, clamp(R(θ)·(Z·(p − c) + t) + c)), Keras'
// apply_affine_transform with fill_mode "nearest", order 1. in (C, H, W) → out (C, H, W).
void affine_plane(const float* in, float* out, int64_t C, int64_t H, int64_t W, const AugmentTransform& t) {
  const double angle = t.theta * std::numbers::pi / 180.0, cos_a = std::cos(angle), sin_a = std::sin(angle);
  const double cx = (W - 1) / 2.0, cy = (H - 1) / 2.0;
  const int64_t plane = H * W;
  for (int64_t y = 0; y < H; ++y)
    for (int64_t x = 0; x < W; ++x) {
      // q = T·Z·(p - c), then the input point R·q + c, clamped to the image (fill_mode "nearest").
      const double qx = t.zx * (x - cx) + t.tx, qy = t.zy * (y - cy) + t.ty;
      const double in_x = std::clamp(cos_a * qx - sin_a * qy + cx, 0.0, (double)(W - 1));
      const double in_y = std::clamp(sin_a * qx + cos_a * qy + cy, 0.0, (double)(H - 1));
      // Bilinear: the four neighbours (x0, y0) … (x1, y1) weighted by the fractional parts.
      const int64_t x0 = (int64_t)in_x, y0 = (int64_t)in_y;
      const int64_t x1 = std::min(x0 + 1, W - 1), y1 = std::min(y0 + 1, H - 1);
      const double fx = in_x - x0, fy = in_y - y0;
      for (int64_t c = 0; c < C; ++c) {
        const float* p = in + c * plane;
        const double top = (1 - fx) * p[y0 * W + x0] + fx * p[y0 * W + x1];
        const double bottom = (1 - fx) * p[y1 * W + x0] + fx * p[y1 * W + x1];
        out[c * plane + y * W + x] = (float)((1 - fy) * top + fy * bottom);
      }
    }
}

void transform_into(const float* in, float* out, int64_t C, int64_t H, int64_t W, const AugmentTransform& t) {
  const int64_t n = C * H * W;
  affine_plane(in, out, C, H, W, t);
  // [keras channel shift] x' = clip(x + intensity, min x, max x), Keras' apply_channel_shift.
  if (t.channel_shift && n > 0) {
    const auto [lo, hi] = std::minmax_element(out, out + n);
    const float min_x = *lo, max_x = *hi;
    for (int64_t i = 0; i < n; ++i) out[i] = std::clamp((float)(out[i] + t.channel_intensity), min_x, max_x);
  }
  // Keras' flip_axis along the columns.
  if (t.flip)
    for (int64_t row = 0; row < C * H; ++row) std::reverse(out + row * W, out + (row + 1) * W);
}

}  // namespace

bool AugmentOptions::enabled() const {
  return horizontal_flip || width_shift != 0 || height_shift != 0 || rotation != 0 || zoom != 0 || channel_shift != 0;
}

Tensor transform_image(const Tensor& image, const AugmentTransform& transform) {
  MURINE_CHECK(image.defined() && image.rank() == 3 && image.device() == Device::CPU,
               "transform_image: expected a CPU image (C, H, W); got "
                   << (image.defined() ? shape_str(image.shape()) : std::string("an undefined tensor")));
  Tensor out = Tensor::empty(image.shape());
  if (image.numel() > 0) transform_into(image.data(), out.data(), image.size(0), image.size(1), image.size(2), transform);
  return out;
}

Tensor augment(const Tensor& batch, const AugmentOptions& options, Generator& gen) {
  MURINE_CHECK(batch.defined() && batch.rank() == 4 && batch.device() == Device::CPU,
               "augment: expected a CPU batch (N, C, H, W); got "
                   << (batch.defined() ? shape_str(batch.shape()) : std::string("an undefined tensor")));
  check_options(options);
  Tensor out = Tensor::empty(batch.shape());
  if (batch.numel() == 0) return out;
  if (!options.enabled()) {
    std::memcpy(out.data(), batch.data(), sizeof(float) * batch.numel());
    return out;
  }
  const int64_t N = batch.size(0), C = batch.size(1), H = batch.size(2), W = batch.size(3), row = C * H * W;
  const uint64_t first = gen.take(N * kAugmentDraws);
  const float* in = batch.data();
  float* dst = out.data();
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < N; ++i) {
    float u[kAugmentDraws];
    for (int64_t k = 0; k < kAugmentDraws; ++k) u[k] = philox::uniform_at(gen.seed, first, i * kAugmentDraws + k);
    transform_into(in + i * row, dst + i * row, C, H, W, draw_transform(options, H, W, u));
  }
  return out;
}

}  // namespace murine
