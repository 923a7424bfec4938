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

WindowBlocks window_blocks(const std::vector<uint8_t>& pattern, int64_t dim0, int64_t dim1, int64_t taps,
                           int64_t width) {
  MURINE_CHECK(width >= 1, "window_blocks: width must be >= 1, got " << width);
  MURINE_CHECK(dim0 >= 0 && dim1 >= 0 && (int64_t)pattern.size() == dim0 * dim1,
               "window_blocks: a pattern of " << pattern.size() << " entries is not (" << dim0 << ", " << dim1 << ")");
  WindowBlocks wb{.dim0 = dim0, .dim1 = dim1, .taps = taps, .width = width, .blocks = {}};
  for (int64_t c0 = 0; c0 < dim1; c0 += width) {
    WindowBlocks::Block block{.col_begin = c0, .col_end = std::min(dim1, c0 + width), .runs = {}, .rows = 0};
    for (int64_t i = 0; i < dim0; ++i) {
      const uint8_t* row = &pattern[i * dim1];
      const bool connected = std::any_of(row + block.col_begin, row + block.col_end, [](uint8_t v) { return v; });
      if (!connected) continue;
      if (!block.runs.empty() && block.runs.back().end == i)
        block.runs.back().end = i + 1;
      else
        block.runs.push_back({i, i + 1});
      ++block.rows;
    }
    wb.blocks.push_back(std::move(block));
  }
  return wb;
}

namespace {

// The cost model, in multiply-add equivalents per activation column. Measured on the development
// machine (bench/NOTES.md, `murine bench layer`): a GEMM call costs about a microsecond whatever its
// size (≈ 40000 multiply-adds at the sgemm rate); a shallow GEMM (depth = the block's width·taps) runs
// below the sgemm rate, as if each of its rows cost 24 multiply-adds more (OpenBLAS writes and reloads
// the output tile once per depth panel); and moving one float of a gathered or scattered run costs
// about as much as 8 multiply-adds.
constexpr double kCallCost = 40000;
constexpr double kRowCost = 24;
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
  return cost;
}

}  // namespace

WindowPlan plan_window(const std::vector<uint8_t>& pattern, int64_t dim0, int64_t dim1, int64_t taps,
                       bool dense_layer) {
  const double dense = (double)dim0 * (double)dim1 * (double)taps + 3 * kCallCost / (dense_layer ? kDenseColumns : kConvColumns);
  WindowPlan best{.blocks = {}, .dense_cost = dense, .window_cost = 0, .use_window = false};
  bool first = true;
  for (int64_t width = 1;; width *= 2) {
    WindowBlocks wb = window_blocks(pattern, dim0, dim1, taps, std::min(width, std::max<int64_t>(dim1, 1)));
    const double cost = estimated_cost(wb, dense_layer);
    if (first || cost < best.window_cost) {
      best.blocks = std::move(wb);
      best.window_cost = cost;
      first = false;
    }
    if (width >= dim1) break;
  }
  best.use_window = best.window_cost < kWorthwhile * best.dense_cost;
  return best;
}

}  // namespace murine
