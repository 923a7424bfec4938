// `murine data`: the data sets murine trains on.
//   murine data cats --n N --size S --out DIR [--seed K] [--grid FILE]   draws N synthetic cat faces
//       into DIR as cat_00000.png … (each written atomically) and a preview grid of the first 64,
//       by default DIR_grid.png beside the folder, so that a loader reading DIR does not take the
//       preview for a training image
//   murine data entropy DIR    the mean grey-level Shannon entropy of the images in DIR (data/entropy.h)
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "autograd/ops.h"
#include "data/entropy.h"
#include "data/synthetic_cats.h"
#include "io/image_grid.h"
#include "tensor/error.h"
#include "tools/command.h"

namespace murine::cli {

namespace {

struct DataArgs {
  int64_t n = 1000;
  int size = 64;
  uint64_t seed = 0;
  std::string out, grid, entropy_dir;
};

int run_cats(const DataArgs& a) {
  MURINE_CHECK(a.n >= 1, "data cats: --n must be >= 1; got " << a.n);
  MURINE_CHECK(a.size >= 8 && a.size <= 4096, "data cats: --size must be in [8, 4096]; got " << a.size);
  std::error_code ec;
  std::filesystem::create_directories(a.out, ec);
  MURINE_CHECK(!ec, "data cats: cannot create '" << a.out << "': " << ec.message());
  // Drawn in chunks so memory stays small for large n; face i is the same however it is chunked.
  const int64_t chunk = 256;
  Tensor preview;
  for (int64_t first = 0; first < a.n; first += chunk) {
    const int64_t count = std::min(chunk, a.n - first);
    const Tensor faces = synthetic_cats(count, a.size, a.seed, first);
    for (int64_t i = 0; i < count; ++i) {
      char name[32];
      std::snprintf(name, sizeof name, "cat_%05lld.png", (long long)(first + i));
      save_image(reshape(slice(faces, 0, i, i + 1), {3, a.size, a.size}),
                 (std::filesystem::path(a.out) / name).string());
    }
    if (first == 0) preview = slice(faces, 0, 0, std::min<int64_t>(count, 64));
  }
  std::string grid = a.grid;
  if (grid.empty()) {
    std::filesystem::path dir = std::filesystem::path(a.out).lexically_normal();
    if (!dir.has_filename()) dir = dir.parent_path();  // "cats/" → "cats"
    grid = dir.string() + "_grid.png";
  }
  save_grid(preview, 8, grid);
  std::printf("wrote %lld synthetic cat faces (%d x %d, seed %llu) to %s, preview %s\n", (long long)a.n, a.size,
              a.size, (unsigned long long)a.seed, a.out.c_str(), grid.c_str());
  return 0;
}

int run_entropy(const DataArgs& a) {
  const FolderEntropy e = folder_entropy(a.entropy_dir, std::cerr);
  std::printf("%s: mean image entropy %.4f bits over %lld images", a.entropy_dir.c_str(), e.mean_bits,
              (long long)e.images);
  if (e.skipped) std::printf(" (%lld skipped)", (long long)e.skipped);
  std::printf("\n(Shannon entropy of each image's 256-bin grey-level histogram, BT.601 luma; max 8 bits)\n");
  return 0;
}

}  // namespace

Command add_data_command(CLI::App& app) {
  auto args = std::make_shared<DataArgs>();
  CLI::App* sub = app.add_subcommand("data", "make and inspect data sets (synthetic cat faces, entropy)");
  sub->require_subcommand(1);
  CLI::App* cats = sub->add_subcommand("cats", "draw synthetic cat faces as PNG files into --out, plus a preview grid DIR_grid.png beside it");
  cats->add_option("--n", args->n, "number of faces")->required();
  cats->add_option("--size", args->size, "image size in pixels (square)")->required();
  cats->add_option("--out", args->out, "output folder (created if missing)")->required();
  cats->add_option("--seed", args->seed, "random seed (default 0)");
  cats->add_option("--grid", args->grid, "preview grid PNG (default: DIR_grid.png, beside DIR)");
  CLI::App* entropy = sub->add_subcommand("entropy", "mean grey-level image entropy of the PNG/JPEG files in a folder");
  entropy->add_option("dir", args->entropy_dir, "image folder (searched recursively)")->required();
  add_image_limit_option(entropy);
  return {sub, [args, cats] { return cats->parsed() ? run_cats(*args) : run_entropy(*args); }};
}

}  // namespace murine::cli
