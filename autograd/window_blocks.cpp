// WindowBlocks: cutting a window's channel pattern into blocks and runs, and the cost estimate that
// picks the block width and the path.
#include "autograd/window_blocks.h"

#include <algorithm>

#include "tensor/error.h"

namespace murine {

double WindowBlocks::mac_fraction() const {
  if (dim0 == 0 || dim1 == 0) return 1.0;
  double macs = 0;
  for (const Block& b : blocks) macs += (double)b.rows * (double)(b.col_end - b.col_begin);
  return macs / ((double)dim0 * (double)dim1);
}

int64_t WindowBlocks::max_rows() const {
  int64_t most = 0;
  for (const Block& b : blocks) most = std::max(most, b.rows);
  return most;
}

std::vector<uint8_t> window_pattern(const std::vector<float>& window, int64_t dim0, int64_t dim1, int64_t taps) {
  MURINE_CHECK(dim0 >= 0 && dim1 >= 0 && taps >= 1 && (int64_t)window.size() == dim0 * dim1 * taps,
               "window_pattern: " << window.size() << " values do not make (" << dim0 << ", " << dim1 << ") × "
                                  << taps << " taps");
  std::vector<uint8_t> pattern(dim0 * dim1, 0);
  for (int64_t i = 0; i < dim0 * dim1; ++i)
    for (int64_t t = 0; t < taps; ++t)
      if (window[i * taps + t] != 0.0f) {
        pattern[i] = 1;
        break;
      }
  return pattern;
}

namespace {

// The runs of dim0 channels connected to any of the dim1 channels order[begin..end).
WindowBlocks::Block make_block(const std::vector<uint8_t>& pattern, int64_t dim0, int64_t dim1,
                               const std::vector<int64_t>& order, int64_t begin, int64_t end) {
  WindowBlocks::Block block{.col_begin = begin, .col_end = end, .runs = {}, .rows = 0};
  for (int64_t i = 0; i < dim0; ++i) {
    const uint8_t* row = &pattern[i * dim1];
    bool connected = false;
    for (int64_t pos = begin; pos < end && !connected; ++pos) connected = row[order[pos]];
    if (!connected) continue;
    if (!block.runs.empty() && block.runs.back().end == i)
      block.runs.back().end = i + 1;
    else
      block.runs.push_back({i, i + 1});
    ++block.rows;
  }
  return block;
}

void check_pattern(const char* op, const std::vector<uint8_t>& pattern, int64_t dim0, int64_t dim1) {
  MURINE_CHECK(dim0 >= 0 && dim1 >= 0 && (int64_t)pattern.size() == dim0 * dim1,
               op << ": a pattern of " << pattern.size() << " entries is not (" << dim0 << ", " << dim1 << ")");
}

}  // namespace

WindowBlocks window_blocks(const std::vector<uint8_t>& pattern, int64_t dim0, int64_t dim1, int64_t taps,
                           int64_t width) {
  MURINE_CHECK(width >= 1, "window_blocks: width must be >= 1, got " << width);
  check_pattern("window_blocks", pattern, dim0, dim1);
  WindowBlocks wb{.dim0 = dim0, .dim1 = dim1, .taps = taps, .width = width, .blocks = {}, .order = {}};
  std::vector<int64_t> identity(dim1);
  for (int64_t c = 0; c < dim1; ++c) identity[c] = c;
  for (int64_t c0 = 0; c0 < dim1; c0 += width)
    wb.blocks.push_back(make_block(pattern, dim0, dim1, identity, c0, std::min(dim1, c0 + width)));
  return wb;
}

WindowBlocks window_patch_blocks(const std::vector<uint8_t>& pattern, int64_t dim0, int64_t dim1, int64_t taps,
                                 int64_t grid_width, int64_t patch_w, int64_t patch_h) {
  MURINE_CHECK(grid_width >= 1 && patch_w >= 1 && patch_h >= 1,
               "window_patch_blocks: grid width " << grid_width << " and patch " << patch_w << "x" << patch_h
                                                  << " must be positive");
  check_pattern("window_patch_blocks", pattern, dim0, dim1);
  WindowBlocks wb{.dim0 = dim0, .dim1 = dim1, .taps = taps, .width = patch_w * patch_h, .blocks = {}, .order = {},
                  .patch_w = patch_w, .patch_h = patch_h};
  // each channel's patch: (row / patch_h, column / patch_w), patches in row-major order
  const int64_t patches_per_row = (grid_width + patch_w - 1) / patch_w;
  auto patch_of = [&](int64_t c) { return (c / grid_width / patch_h) * patches_per_row + (c % grid_width) / patch_w; };
  wb.order.resize(dim1);
  for (int64_t c = 0; c < dim1; ++c) wb.order[c] = c;
  std::stable_sort(wb.order.begin(), wb.order.end(), [&](int64_t a, int64_t b) { return patch_of(a) < patch_of(b); });
  for (int64_t begin = 0; begin < dim1;) {
    int64_t end = begin + 1;
    while (end < dim1 && patch_of(wb.order[end]) == patch_of(wb.order[begin])) ++end;
    wb.blocks.push_back(make_block(pattern, dim0, dim1, wb.order, begin, end));
    begin = end;
  }
  return wb;
}

namespace {

// The cost model, in multiply-add equivalents per activation column. Measured on the development
// machine (bench/NOTES.md, `murine bench layer`): a GEMM call costs about a microsecond whatever its
// size (≈ 40000 multiply-adds at the sgemm rate); a shallow GEMM (depth = the block's width·taps) runs
// below the sgemm rate, as if each of its rows cost 12 multiply-adds more (OpenBLAS writes and reloads
// the output tile once per depth panel); and moving one float of a gathered or scattered run costs
// about as much as 8 multiply-adds.
constexpr double kCallCost = 40000;
constexpr double kRowCost = 12;
constexpr double kMoveCost = 8;
constexpr double kConvColumns = 1024;  // a convolution's typical images·positions per GEMM
constexpr double kDenseColumns = 64;   // a Dense layer's typical batch
// The window-aware path is taken only when clearly cheaper: the estimate is rough.
constexpr double kWorthwhile = 0.8;

double estimated_cost(const WindowBlocks& wb, bool dense_layer) {
  double cost = 0;
  for (const WindowBlocks::Block& b : wb.blocks) {
    if (b.runs.empty()) continue;
    const double depth = (double)(b.col_end - b.col_begin) * (double)wb.taps;
    cost += (double)b.rows * (depth + kRowCost);
    if (dense_layer) {
      cost += 3 * (double)b.runs.size() * kCallCost / kDenseColumns;  // one GEMM per run, per product
    } else {
      cost += 3 * kCallCost / kConvColumns;                           // one GEMM per block, per product
      if (b.runs.size() > 1) cost += kMoveCost * (double)b.rows;      // the gather or scatter
    }
  }
  if (!wb.order.empty()) cost += 3 * kMoveCost * (double)wb.dim1 * (double)wb.taps;  // the permutations
  return cost;
}

}  // namespace

WindowPlan plan_window(const std::vector<uint8_t>& pattern, int64_t dim0, int64_t dim1, int64_t taps,
                       bool dense_layer, int64_t grid_width) {
  const double dense = (double)dim0 * (double)dim1 * (double)taps + 3 * kCallCost / (dense_layer ? kDenseColumns : kConvColumns);
  WindowPlan best{.blocks = {}, .dense_cost = dense, .window_cost = 0, .use_window = false};
  bool first = true;
  auto consider = [&](WindowBlocks wb) {
    const double cost = estimated_cost(wb, dense_layer);
    if (first || cost < best.window_cost) {
      best.blocks = std::move(wb);
      best.window_cost = cost;
      first = false;
    }
  };
  for (int64_t width = 1;; width *= 2) {
    consider(window_blocks(pattern, dim0, dim1, taps, std::min(width, std::max<int64_t>(dim1, 1))));
    if (width >= dim1) break;
  }
  if (!dense_layer && grid_width > 1 && grid_width < dim1)
    for (int64_t pw = 1; pw <= grid_width; pw *= 2)
      for (int64_t ph = 2; ph <= 8; ph *= 2) consider(window_patch_blocks(pattern, dim0, dim1, taps, grid_width, pw, ph));
  best.use_window = best.window_cost < kWorthwhile * best.dense_cost;
  return best;
}

}  // namespace murine
