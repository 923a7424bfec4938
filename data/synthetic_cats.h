// The built-in synthetic cat-face data set, so the demo needs no download. Each face is drawn
// procedurally in float with anti-aliased signed-distance primitives: a background (two-colour
// gradient with soft blobs), ears (shape, size, tilt, rounding, pink inner ear), a head with cheeks,
// a coat (orange/grey/brown tabby with forehead "M" and cheek stripes, solid black/white/cream/grey,
// tuxedo, Siamese points, calico patches), a lighter muzzle, eyes (colour, size, spacing, tilt, slit
// or round pupils, highlight), a nose, a mouth and whiskers; then the whole face is shifted, rotated
// (±12°) and scaled. Every random choice comes from a Generator, so a seed fixes the set.
#pragma once
#include <cstdint>

#include "tensor/random.h"
#include "tensor/tensor.h"

namespace murine {

// The number of uniform numbers one face consumes from the generator (a fixed block, so face i of a
// set starts at counter offset i·kCatDraws/4 and faces can be drawn in parallel).
inline constexpr int64_t kCatDraws = 128;

// One face (3, size, size) in [0, 1]; advances gen by kCatDraws numbers. size >= 8.
Tensor draw_cat(int size, Generator& gen);

// n faces (n, 3, size, size) in [0, 1]: face i is draw_cat on Generator(seed) after i faces.
// The same (n, size, seed) always gives the same tensor; a longer set extends a shorter one.
Tensor synthetic_cats(int64_t n, int size, uint64_t seed);
// Faces first … first + n - 1 of that sequence (to draw a large set in chunks).
Tensor synthetic_cats(int64_t n, int size, uint64_t seed, int64_t first);

}  // namespace murine
