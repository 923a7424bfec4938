// Procedural cat faces (data/synthetic_cats.h). The face is designed in "face coordinates": x to
// the right, y down, the head centred near the origin with a half-width of about 0.6; the image
// spans the square [-1, 1]² and maps to face coordinates through the face's shift, rotation and
// scale. Every shape is a signed distance d (negative inside, in face units) and is painted with
// coverage clamp(0.5 - d/pixel, 0, 1), which anti-aliases its edge over one pixel.
#include "data/synthetic_cats.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>

#include "tensor/error.h"
#include "tensor/philox.h"

namespace murine {

namespace {

struct Vec {
  float x, y;
};
Vec operator+(Vec a, Vec b) { return {a.x + b.x, a.y + b.y}; }
Vec operator-(Vec a, Vec b) { return {a.x - b.x, a.y - b.y}; }
Vec operator*(Vec a, float s) { return {a.x * s, a.y * s}; }
float dot(Vec a, Vec b) { return a.x * b.x + a.y * b.y; }
float cross(Vec a, Vec b) { return a.x * b.y - a.y * b.x; }
float length(Vec a) { return std::sqrt(dot(a, a)); }
Vec rotate(Vec p, float angle) {
  const float c = std::cos(angle), s = std::sin(angle);
  return {c * p.x - s * p.y, s * p.x + c * p.y};
}

struct Colour {
  float r, g, b;
};
Colour mix(Colour a, Colour b, float t) { return {a.r + (b.r - a.r) * t, a.g + (b.g - a.g) * t, a.b + (b.b - a.b) * t}; }
Colour scale(Colour a, float s) { return {a.r * s, a.g * s, a.b * s}; }

float clamp01(float v) { return std::clamp(v, 0.0f, 1.0f); }
float smoothstep(float e0, float e1, float x) {
  const float t = clamp01((x - e0) / (e1 - e0));
  return t * t * (3 - 2 * t);
}

// ---- signed distances ----

// Ellipse with radii r centred at c (a close approximation: k0·(k0 - 1)/k1 with k0 = |p/r|, k1 = |p/r²|).
float sd_ellipse(Vec p, Vec c, Vec r) {
  const Vec q = p - c;
  const float k0 = length({q.x / r.x, q.y / r.y}), k1 = length({q.x / (r.x * r.x), q.y / (r.y * r.y)});
  return k1 > 0 ? k0 * (k0 - 1.0f) / k1 : -std::min(r.x, r.y);
}
float sd_circle(Vec p, Vec c, float r) { return length(p - c) - r; }

// Exact distance to triangle a, b, c: the nearest edge point, signed by which side of every edge p is.
float sd_triangle(Vec p, Vec a, Vec b, Vec c) {
  const Vec e[3] = {b - a, c - b, a - c}, v[3] = {p - a, p - b, p - c};
  float nearest = 1e30f;
  int left = 0, right = 0;  // on which side of each edge p lies
  for (int i = 0; i < 3; ++i) {
    const Vec q = v[i] - e[i] * clamp01(dot(v[i], e[i]) / dot(e[i], e[i]));
    nearest = std::min(nearest, dot(q, q));
    const float side = cross(e[i], v[i]);
    left += side >= 0, right += side <= 0;
  }
  const bool inside = left == 3 || right == 3;
  return inside ? -std::sqrt(nearest) : std::sqrt(nearest);
}

// A segment a–b of half-thickness r (a capsule).
float sd_segment(Vec p, Vec a, Vec b, float r) {
  const Vec pa = p - a, ba = b - a;
  const float h = clamp01(dot(pa, ba) / dot(ba, ba));
  return length(pa - ba * h) - r;
}

// Smooth union of two distances (blend width k).
float smooth_min(float a, float b, float k) {
  const float h = clamp01(0.5f + 0.5f * (b - a) / k);
  return b + (a - b) * h - k * h * (1 - h);
}

// ---- random choices ----

// The face's kCatDraws uniform numbers, taken in order.
struct Dice {
  uint64_t seed, first;
  int used = 0;
  float uniform() {
    assert(used < kCatDraws && "draw_cat uses more random numbers than kCatDraws");
    return philox::uniform_at(seed, first, used++);
  }
  float range(float lo, float hi) { return lo + (hi - lo) * uniform(); }
  int pick(int n) { return std::min(n - 1, (int)(uniform() * n)); }
  Colour jitter(Colour c, float amount) {
    const float s = 1.0f + range(-amount, amount);
    return {clamp01(c.r * s + range(-0.03f, 0.03f)), clamp01(c.g * s + range(-0.03f, 0.03f)),
            clamp01(c.b * s + range(-0.03f, 0.03f))};
  }
};

enum class Coat { OrangeTabby, GreyTabby, BrownTabby, Black, White, Cream, Grey, Tuxedo, Siamese, Calico };

// Everything that varies between faces, drawn once per face.
struct Face {
  // Placement: image = scale·R(angle)·(face - centre) + shift.
  float angle, zoom, shift_x, shift_y;
  // Background.
  Colour bg_top, bg_bottom, blob_colour;
  Vec blob_centre[3];
  float blob_radius[3];
  // Head and ears.
  float head_rx, head_ry, cheek_rx, cheek_ry;
  Vec ear_base_inner, ear_base_outer, ear_tip;
  float ear_round;
  // Coat.
  Coat coat;
  Colour fur, stripe, muzzle, inner_ear, patch1, patch2;
  float stripe_period, stripe_strength;
  bool light_muzzle;
  Vec patch_centre[2];
  float patch_radius[2];
  // Eyes.
  float eye_spacing, eye_y, eye_rx, eye_ry, eye_tilt, pupil_width;
  Colour iris;
  // Nose, mouth, whiskers.
  float nose_width;
  Colour nose, whisker;
  float whisker_spread, whisker_length;
};

Face random_face(Dice& d) {
  Face f{};
  f.angle = d.range(-0.21f, 0.21f);  // ±12°
  f.zoom = d.range(0.92f, 1.12f);
  f.shift_x = d.range(-0.08f, 0.08f);
  f.shift_y = d.range(-0.06f, 0.06f);

  // Background: a hue of any kind, muted, darker or lighter than most coats.
  const Colour backgrounds[] = {{0.55f, 0.70f, 0.85f}, {0.75f, 0.85f, 0.65f}, {0.90f, 0.80f, 0.65f},
                                {0.35f, 0.40f, 0.50f}, {0.85f, 0.65f, 0.70f}, {0.60f, 0.55f, 0.45f},
                                {0.30f, 0.45f, 0.35f}, {0.80f, 0.80f, 0.82f}};
  f.bg_top = d.jitter(backgrounds[d.pick(8)], 0.15f);
  f.bg_bottom = d.jitter(mix(f.bg_top, backgrounds[d.pick(8)], 0.5f), 0.15f);
  f.blob_colour = d.jitter(mix(f.bg_top, {1, 1, 1}, d.range(-0.4f, 0.5f)), 0.1f);
  for (int i = 0; i < 3; ++i) {
    f.blob_centre[i] = {d.range(-1.0f, 1.0f), d.range(-1.0f, 1.0f)};
    f.blob_radius[i] = d.range(0.1f, 0.45f);
  }

  // Head: wider than tall, with full cheeks.
  f.head_rx = d.range(0.52f, 0.62f);
  f.head_ry = d.range(0.44f, 0.52f);
  f.cheek_rx = f.head_rx * d.range(1.0f, 1.12f);
  f.cheek_ry = d.range(0.26f, 0.34f);
  // Left ear (the right one mirrors it): base on the upper head, tip above and outwards.
  const float ear_width = d.range(0.30f, 0.42f), ear_height = d.range(0.38f, 0.58f);
  const float ear_x = d.range(0.14f, 0.22f);
  f.ear_base_inner = {-ear_x, -f.head_ry * 0.80f};
  f.ear_base_outer = {-ear_x - ear_width, -f.head_ry * 0.25f};
  f.ear_tip = {-ear_x - ear_width * d.range(0.55f, 1.05f), -f.head_ry * 0.55f - ear_height};
  f.ear_round = d.range(0.01f, 0.06f);

  // Coat.
  f.coat = (Coat)d.pick(10);
  const float tone = d.range(0.85f, 1.1f);
  f.stripe_period = d.range(0.09f, 0.14f);
  f.stripe_strength = 0.0f;
  f.light_muzzle = d.uniform() < 0.5f;
  f.inner_ear = d.jitter({0.93f, 0.66f, 0.68f}, 0.08f);
  switch (f.coat) {
    case Coat::OrangeTabby:
      f.fur = d.jitter(scale({0.90f, 0.55f, 0.22f}, tone), 0.05f), f.stripe = {0.62f, 0.30f, 0.10f};
      f.stripe_strength = d.range(0.6f, 0.9f);
      break;
    case Coat::GreyTabby:
      f.fur = d.jitter(scale({0.60f, 0.60f, 0.60f}, tone), 0.05f), f.stripe = {0.22f, 0.22f, 0.24f};
      f.stripe_strength = d.range(0.6f, 0.9f);
      break;
    case Coat::BrownTabby:
      f.fur = d.jitter(scale({0.62f, 0.48f, 0.32f}, tone), 0.05f), f.stripe = {0.20f, 0.14f, 0.09f};
      f.stripe_strength = d.range(0.6f, 0.9f);
      break;
    case Coat::Black: f.fur = d.jitter({0.12f, 0.11f, 0.12f}, 0.2f); break;
    case Coat::White: f.fur = d.jitter({0.94f, 0.93f, 0.90f}, 0.03f); break;
    case Coat::Cream: f.fur = d.jitter({0.94f, 0.82f, 0.62f}, 0.05f), f.stripe = {0.80f, 0.60f, 0.40f};
      f.stripe_strength = d.range(0.0f, 0.4f);
      break;
    case Coat::Grey: f.fur = d.jitter(scale({0.50f, 0.52f, 0.56f}, tone), 0.05f); break;
    case Coat::Tuxedo: f.fur = d.jitter({0.10f, 0.10f, 0.11f}, 0.2f), f.light_muzzle = true; break;
    case Coat::Siamese: f.fur = d.jitter({0.92f, 0.86f, 0.74f}, 0.04f), f.stripe = d.jitter({0.30f, 0.22f, 0.18f}, 0.1f); break;
    case Coat::Calico: f.fur = d.jitter({0.95f, 0.93f, 0.88f}, 0.03f); break;
  }
  f.muzzle = f.light_muzzle ? d.jitter({0.96f, 0.95f, 0.92f}, 0.03f) : mix(f.fur, {1, 1, 1}, 0.15f);
  f.patch1 = d.jitter({0.88f, 0.52f, 0.18f}, 0.08f);
  f.patch2 = d.jitter({0.12f, 0.10f, 0.10f}, 0.2f);
  for (int i = 0; i < 2; ++i) {
    f.patch_centre[i] = {d.range(-0.6f, 0.6f), d.range(-0.6f, 0.1f)};
    f.patch_radius[i] = d.range(0.22f, 0.4f);
  }

  // Eyes.
  f.eye_spacing = d.range(0.19f, 0.27f);
  f.eye_y = d.range(-0.08f, 0.0f);
  f.eye_rx = d.range(0.095f, 0.135f);
  f.eye_ry = f.eye_rx * d.range(0.6f, 0.95f);
  f.eye_tilt = d.range(0.0f, 0.3f);
  f.pupil_width = d.uniform() < 0.6f ? d.range(0.12f, 0.3f) : d.range(0.45f, 0.7f);
  const Colour irises[] = {{0.45f, 0.75f, 0.25f}, {0.92f, 0.80f, 0.18f}, {0.88f, 0.58f, 0.15f},
                           {0.35f, 0.62f, 0.92f}, {0.60f, 0.78f, 0.30f}, {0.80f, 0.48f, 0.14f}};
  f.iris = d.jitter(irises[d.pick(6)], 0.1f);
  if (f.coat == Coat::Siamese) f.iris = d.jitter({0.30f, 0.58f, 0.95f}, 0.1f);

  // Nose, whiskers.
  f.nose_width = d.range(0.05f, 0.075f);
  const Colour noses[] = {{0.90f, 0.55f, 0.58f}, {0.80f, 0.45f, 0.42f}, {0.25f, 0.18f, 0.18f}};
  f.nose = d.jitter(noses[d.pick(3)], 0.08f);
  if (f.coat == Coat::Black || f.coat == Coat::Siamese) f.nose = d.jitter({0.22f, 0.17f, 0.17f}, 0.1f);
  f.whisker = f.fur.r + f.fur.g < 0.5f || d.uniform() < 0.7f ? Colour{0.97f, 0.97f, 0.95f} : Colour{0.15f, 0.14f, 0.14f};
  f.whisker_spread = d.range(0.05f, 0.09f);
  f.whisker_length = d.range(0.45f, 0.65f);
  return f;
}

// ---- painting one pixel ----

// Paints colour c over `out` with the coverage of distance d.
void paint(Colour& out, Colour c, float d, float pixel, float opacity = 1.0f) {
  const float coverage = clamp01(0.5f - d / pixel) * opacity;
  if (coverage > 0) out = mix(out, c, coverage);
}

// The fur colour at face point p inside the head: base coat, stripes, points, patches, shading.
Colour fur_at(const Face& f, Vec p, float pixel) {
  Colour c = f.fur;
  if (f.coat == Coat::Calico) {
    for (int i = 0; i < 2; ++i) {
      const float wobble = 0.04f * std::sin(9 * p.x + 3 * i) * std::cos(7 * p.y);
      paint(c, i ? f.patch2 : f.patch1, sd_circle(p, f.patch_centre[i], f.patch_radius[i]) + wobble, pixel * 2);
    }
  }
  if (f.stripe_strength > 0) {
    // Forehead: vertical stripes between the eyes and ears, bending into an "M" at the brow.
    const float fx = p.x + 0.25f * std::abs(p.y + 0.15f) * (p.x > 0 ? -1.0f : 1.0f);
    const float forehead = smoothstep(-0.02f, -0.16f, p.y) * smoothstep(0.34f, 0.22f, std::abs(p.x));
    const float vertical = smoothstep(0.55f, 0.85f, std::cos(6.2832f * fx / f.stripe_period));
    // Cheeks: stripes sweeping back from the eyes towards the sides of the face.
    const float cheek = smoothstep(0.28f, 0.42f, std::abs(p.x)) * smoothstep(-0.2f, -0.05f, p.y) *
                        smoothstep(0.35f, 0.15f, p.y);
    const float sweep = smoothstep(0.5f, 0.85f, std::cos(6.2832f * (p.y - 0.35f * std::abs(p.x)) / (f.stripe_period * 1.1f)));
    const float mask = std::max(forehead * vertical, cheek * sweep);
    c = mix(c, f.stripe, mask * f.stripe_strength);
  }
  if (f.coat == Coat::Siamese) {  // dark mask over the muzzle and around the eyes
    const float mask = smoothstep(0.05f, -0.12f, sd_ellipse(p, {0, 0.15f}, {0.32f, 0.30f}));
    c = mix(c, f.stripe, mask * 0.9f);
  }
  return c;
}

// Whiskers: three per side (q is the mirrored point), from the muzzle pad outwards, bending slightly down.
void paint_whiskers(Colour& out, const Face& f, Vec q, float pixel) {
  const float whisker_half = std::max(0.005f, 0.45f * pixel);
  float whiskers = 1e9f;
  for (int k = 0; k < 3; ++k) {
    const Vec start{-0.16f, 0.22f + 0.035f * k};
    const Vec end{-0.16f - f.whisker_length, 0.22f + (k - 1) * f.whisker_spread * 2.0f};
    const Vec middle = (start + end) * 0.5f + Vec{0, 0.03f};
    whiskers = std::min({whiskers, sd_segment(q, start, middle, whisker_half), sd_segment(q, middle, end, whisker_half)});
  }
  paint(out, f.whisker, whiskers, pixel, 0.85f * std::min(1.0f, 0.009f / (2 * whisker_half)) + 0.15f);
}

Colour face_pixel(const Face& f, Vec image_point, float pixel_image) {
  // Background: vertical gradient plus soft blobs (in image coordinates).
  Colour out = mix(f.bg_top, f.bg_bottom, clamp01(0.5f + 0.5f * image_point.y));
  for (int i = 0; i < 3; ++i)
    out = mix(out, f.blob_colour, 0.5f * smoothstep(f.blob_radius[i], 0.0f, length(image_point - f.blob_centre[i])));

  // Image → face coordinates; a pixel measures pixel_image / scale in face units.
  const Vec centre{0.0f, -0.15f};
  const Vec p = rotate(Vec{image_point.x - f.shift_x, image_point.y - f.shift_y}, -f.angle) * (1.0f / f.zoom) + centre;
  const float pixel = pixel_image / f.zoom;
  const Vec q = {-std::abs(p.x), p.y};  // the left half: the face is symmetric

  // Ears (behind the head): outer fur, then the pink inner ear.
  const float ear = sd_triangle(q, f.ear_base_inner, f.ear_tip, f.ear_base_outer) - f.ear_round;
  if (ear < pixel) paint(out, scale(f.coat == Coat::Siamese ? f.stripe : fur_at(f, p, pixel), 0.92f), ear, pixel);
  const Vec ear_mid = (f.ear_base_inner + f.ear_tip + f.ear_base_outer) * (1.0f / 3.0f);
  const float inner = sd_triangle(q, ear_mid + (f.ear_base_inner - ear_mid) * 0.65f, ear_mid + (f.ear_tip - ear_mid) * 0.7f,
                                  ear_mid + (f.ear_base_outer - ear_mid) * 0.65f) - f.ear_round * 0.5f;
  paint(out, f.coat == Coat::Siamese ? scale(f.stripe, 1.4f) : f.inner_ear, inner, pixel);

  // Head: the skull ellipse smoothly joined with the wider cheeks below it.
  const float head = smooth_min(sd_ellipse(p, {0, 0}, {f.head_rx, f.head_ry}),
                                sd_ellipse(p, {0, 0.16f}, {f.cheek_rx, f.cheek_ry}), 0.08f);
  if (head >= pixel) {  // outside the head only the whiskers reach
    paint_whiskers(out, f, q, pixel);
    return {clamp01(out.r), clamp01(out.g), clamp01(out.b)};
  }
  Colour fur = fur_at(f, p, pixel);
  // Lighter lower face (muzzle and chin) for bicolour coats, darker rim for volume.
  if (f.light_muzzle) {
    const float chest = smooth_min(sd_ellipse(p, {-0.1f, 0.24f}, {0.17f, 0.14f}), sd_ellipse(p, {0.1f, 0.24f}, {0.17f, 0.14f}), 0.05f);
    fur = mix(fur, f.muzzle, clamp01(0.5f - chest / (pixel * 1.5f)));
  }
  fur = scale(fur, 1.0f - 0.22f * smoothstep(-0.12f, 0.0f, head));
  paint(out, fur, head, pixel);

  // Muzzle pads either side of the mouth, slightly lighter than the fur around them.
  const float pads = sd_ellipse(q, {-0.075f, 0.25f}, {0.1f, 0.075f});
  if (pads < 2 * pixel) paint(out, mix(fur_at(f, p, pixel), f.muzzle, f.light_muzzle ? 1.0f : 0.5f), pads, pixel * 2.0f, 0.8f);

  // Eyes: dark rim, iris with a darker edge, pupil, highlight.
  const Vec eye_centre{-f.eye_spacing, f.eye_y};
  const Vec e = rotate(q - eye_centre, f.eye_tilt);  // outer corner raised
  const Vec zero{0, 0};
  paint(out, {0.08f, 0.07f, 0.06f}, sd_ellipse(e, zero, {f.eye_rx + 0.018f, f.eye_ry + 0.018f}), pixel);
  const float iris_d = sd_ellipse(e, zero, {f.eye_rx, f.eye_ry});
  paint(out, mix(f.iris, scale(f.iris, 0.6f), smoothstep(-0.05f, 0.0f, iris_d)), iris_d, pixel);
  paint(out, {0.04f, 0.04f, 0.04f}, sd_ellipse(e, zero, {f.eye_rx * f.pupil_width, f.eye_ry * 0.92f}), pixel);
  paint(out, {1, 1, 1}, sd_circle(e, {-0.35f * f.eye_rx, -0.4f * f.eye_ry}, 0.22f * f.eye_ry), pixel, 0.9f);

  // Nose: a rounded downward triangle; the mouth: a line down from it and two curves.
  const float nose = sd_triangle(p, {-f.nose_width, 0.13f}, {0, 0.13f + f.nose_width * 1.1f}, {f.nose_width, 0.13f}) - 0.012f;
  paint(out, f.nose, nose, pixel);
  const Colour mouth_colour = scale(f.coat == Coat::Black || f.coat == Coat::Tuxedo ? Colour{0.5f, 0.5f, 0.5f} : f.fur, 0.35f);
  const float line_half = std::max(0.009f, 0.5f * pixel);
  const float mouth = std::min({sd_segment(q, {0, 0.13f + f.nose_width}, {0, 0.255f}, line_half),
                                sd_segment(q, {0, 0.255f}, {-0.05f, 0.285f}, line_half),
                                sd_segment(q, {-0.05f, 0.285f}, {-0.1f, 0.265f}, line_half)});
  paint(out, mouth_colour, mouth, pixel, 0.9f);

  paint_whiskers(out, f, q, pixel);
  return {clamp01(out.r), clamp01(out.g), clamp01(out.b)};
}

// Paints one face into out (3 planes of size × size floats).
void draw_cat_into(float* out, int size, Generator& gen) {
  Dice dice{gen.seed, gen.take(kCatDraws)};
  const Face face = random_face(dice);
  const int64_t plane = (int64_t)size * size;
  const float pixel = 2.0f / size;
  for (int y = 0; y < size; ++y)
    for (int x = 0; x < size; ++x) {
      const Colour c = face_pixel(face, {(x + 0.5f) * pixel - 1.0f, (y + 0.5f) * pixel - 1.0f}, pixel);
      const int64_t i = (int64_t)y * size + x;
      out[i] = c.r, out[plane + i] = c.g, out[2 * plane + i] = c.b;
    }
}

}  // namespace

Tensor draw_cat(int size, Generator& gen) {
  MURINE_CHECK(size >= 8, "draw_cat: size must be >= 8; got " << size);
  Tensor image = Tensor::empty({3, size, size});
  draw_cat_into(image.data(), size, gen);
  return image;
}

Tensor synthetic_cats(int64_t n, int size, uint64_t seed) { return synthetic_cats(n, size, seed, 0); }

Tensor synthetic_cats(int64_t n, int size, uint64_t seed, int64_t first) {
  MURINE_CHECK(first >= 0, "synthetic_cats: first must be >= 0; got " << first);
  MURINE_CHECK(n >= 1, "synthetic_cats: n must be >= 1; got " << n);
  MURINE_CHECK(size >= 8, "synthetic_cats: size must be >= 8; got " << size);
  Tensor images = Tensor::empty({n, 3, size, size});
  float* data = images.data();
  const int64_t per_image = 3 * (int64_t)size * size;
  // Face i starts at counter offset i·kCatDraws/4, exactly where drawing faces 0 … i-1 in turn from
  // Generator(seed) would leave it, so the faces can be drawn in parallel.
#pragma omp parallel for schedule(dynamic)
  for (int64_t i = 0; i < n; ++i) {
    Generator gen(seed);
    gen.offset = (uint64_t)(first + i) * (uint64_t)(kCatDraws / 4);
    draw_cat_into(data + i * per_image, size, gen);
  }
  return images;
}

}  // namespace murine
