// WindowBlocks: a connection window as the work a window-aware product does. A masked weight
// (dim0, dim1[, kh, kw]) is cut into blocks of consecutive dim1 channels; each block lists, as
// runs of consecutive channels, the dim0 channels that any of its dim1 channels connects to. The
// products of autograd/windowed_gemm.h then multiply only over (block, run) pairs: weights outside
// every pair are zero in W ⊙ window, so skipping them changes nothing but the time.
//
// Why dim1 blocks: in every product of a convolution or Dense layer the dim1 side carries the
// kernel taps (dim1·kh·kw contiguous rows or columns), so a block of a few dim1 channels is already
// a GEMM of useful depth, while the dim0 side may be any set (gathered or scattered once per block).
// For the '2d' window the dim0 set of a block is a union of runs (one per grid row the circle
// crosses); for 'diagonal' it is one run (the band). A '2d' window's blocks may also be patches of
// its x grid (pw × ph nodes) rather than runs of consecutive channels: a compact patch connects to
// fewer dim0 channels than a strip of the same size. The products then see the dim1 channels in
// `order` (a permutation, applied once per product to the activations' dim1 side).
#pragma once
#include <cstdint>
#include <vector>

namespace murine {

struct WindowBlocks {
  struct Run {
    int64_t begin, end;  // dim0 channels [begin, end)
  };
  struct Block {
    int64_t col_begin, col_end;  // dim1 channels [col_begin, col_end)
    std::vector<Run> runs;       // the dim0 channels connected to any of them, ascending
    int64_t rows = 0;            // Σ run lengths
  };
  int64_t dim0 = 0, dim1 = 0;  // channel counts of the weight's first two axes
  int64_t taps = 1;            // kh·kw (1 for Dense)
  int64_t width = 0;           // dim1 channels per block (the last block may be narrower)
  std::vector<Block> blocks;   // col_begin/col_end: positions in `order`
  // The dim1 channels in block order (position → channel); empty: the channels' own order.
  std::vector<int64_t> order;
  int64_t patch_w = 0, patch_h = 0;  // patch blocks: the patch's nodes along and across the grid rows

  // Multiply-adds over the (block, run) pairs as a fraction of the dense product's.
  double mac_fraction() const;
  // The most dim0 channels of any block (the scratch the products gather into).
  int64_t max_rows() const;
};

// The blocks of `width` dim1 channels of a (dim0, dim1) channel pattern (row-major, nonzero where
// any tap of the window connects the pair). Throws on a width < 1 or a pattern of the wrong size.
WindowBlocks window_blocks(const std::vector<uint8_t>& pattern, int64_t dim0, int64_t dim1, int64_t taps,
                           int64_t width);

// The blocks of a '2d' window as patches of its x grid: dim1 channel c sits at grid column c mod
// grid_width, row c div grid_width; a block is the channels of one patch_w × patch_h patch, in
// patch-row-major order (channels past the last full grid row form patches of their own row).
WindowBlocks window_patch_blocks(const std::vector<uint8_t>& pattern, int64_t dim0, int64_t dim1, int64_t taps,
                                 int64_t grid_width, int64_t patch_w, int64_t patch_h);

// The channel pattern of a window tensor's values (dim0, dim1, taps...) flattened row-major:
// pattern[i·dim1 + j] = 1 when any tap of (i, j) is nonzero.
std::vector<uint8_t> window_pattern(const std::vector<float>& window, int64_t dim0, int64_t dim1, int64_t taps);

// Which path a product takes, estimated per column of the activations (images·positions for a
// convolution, rows of the batch for Dense), in multiply-add equivalents.
struct WindowPlan {
  WindowBlocks blocks;  // the cheapest blocking found
  double dense_cost;    // the dense product
  double window_cost;   // the window-aware product with `blocks`
  bool use_window;      // window_cost is clearly below dense_cost
};
// Tries block widths 1, 2, 4, … up to dim1 (and, for a convolution's '2d' window with its x grid's
// `grid_width` > 0, patches of 1…grid_width by 1…8 nodes) and keeps the cheapest. `dense_layer`:
// the products are Dense's (one GEMM per run, no gathers; a call's overhead spread over a typical
// batch of 64 rows); otherwise a convolution's (one GEMM per block, runs gathered or scattered).
WindowPlan plan_window(const std::vector<uint8_t>& pattern, int64_t dim0, int64_t dim1, int64_t taps,
                       bool dense_layer, int64_t grid_width = 0);

}  // namespace murine
