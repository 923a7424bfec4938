// `murine train dcgan|ddim`: trains one of the models of models/trainable.h on the synthetic cat faces or
// an image folder, and writes a run directory:
//   config.json            the options of the run (model sizes and run settings)
//   summary.txt            every network's layers, output shapes, parameters and %usage
//   losses.csv             step, d_loss, g_loss (GANs) or step, n_loss, i_loss (DDIM)
//   samples_<step>.png     the model on the same fixed noise every --sample-every steps
//   samples_final.png, training_images.png, weights.txt (the reference scripts' positive/negative/zero table)
//   checkpoint.safetensors every network, optimizer and EMA state, the step and the RNG (atomic)
// --resume DIR continues from DIR's checkpoint; Ctrl-C finishes the step, saves and exits 130.
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "data/image_folder.h"
#include "data/synthetic_cats.h"
#include "io/atomic_file.h"
#include "io/image_grid.h"
#include "models/trainable.h"
#include "tensor/error.h"
#include "tools/command.h"
#include "train/checkpoint.h"
#include "train/csv_log.h"
#include "train/interrupt.h"
#include "train/progress.h"
#include "train/weight_stats.h"

namespace murine::cli {

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// The run settings; the model's own sizes are in `model`.
struct TrainArgs {
  std::string kind = "dcgan", flavour = "torch", data = "synthetic-cats", out = "run", resume, device = "cpu";
  int64_t batch = 64, steps = 500, epochs = 0, sample_every = 100, synthetic_count = 4096;
  uint64_t seed = 0;
  ModelConfig model;

  json to_json() const {
    json j = model.to_json();
    j.update({{"data", data}, {"batch", batch}, {"steps", steps}, {"sample_every", sample_every},
              {"synthetic_count", synthetic_count}, {"seed", seed}});
    return j;
  }
};

void write_text(const std::string& path, const std::string& text) {
  AtomicFile f(path, "murine train");
  f.write(text.data(), text.size());
  f.commit();
}

// Keeps the header and the rows of losses.csv up to `step` (rows a crashed run logged after its last
// checkpoint would otherwise appear twice).
void trim_log(const std::string& path, int64_t step) {
  std::ifstream in(path);
  if (!in) return;
  std::string line, kept;
  bool header = true;
  while (std::getline(in, line)) {
    if (header || (!line.empty() && std::stoll(line) <= step)) kept += line + "\n";
    header = false;
  }
  in.close();
  write_text(path, kept);
}

// The run's settings from a checkpoint's config (the run directory's own config.json at that time).
TrainArgs resumed_args(const TrainArgs& given, const Checkpoint& c) {
  TrainArgs a = given;
  json j;
  try {
    j = json::parse(c.config_json);
    a.model = ModelConfig::from_json(j);
    a.data = j.at("data"), a.batch = j.at("batch"), a.seed = j.at("seed");
    a.synthetic_count = j.at("synthetic_count"), a.sample_every = j.at("sample_every");
    a.steps = std::max<int64_t>(given.steps, j.at("steps"));
  } catch (const json::exception& e) {
    MURINE_CHECK(false, "murine train: the checkpoint's config is not a murine run config: " << e.what());
  }
  return a;
}

int run_train(TrainArgs a, bool steps_given) {
  MURINE_CHECK(a.kind == "dcgan" || a.kind == "ddim", "murine train: unknown model '" << a.kind << "' (dcgan or ddim)");
  MURINE_CHECK(a.flavour == "torch" || a.flavour == "keras",
               "murine train: --flavour must be torch or keras, got '" << a.flavour << "'");
  a.model.model = a.kind == "ddim" ? "ddim" : "dcgan_" + a.flavour;
  MURINE_CHECK(a.batch > 0, "murine train: --batch must be positive, got " << a.batch);
  MURINE_CHECK(a.steps > 0, "murine train: --steps must be positive, got " << a.steps);
  MURINE_CHECK(a.epochs >= 0, "murine train: --epochs must be positive, got " << a.epochs);
  MURINE_CHECK(a.model.window2d_width > 0, "murine train: --window2d-width must be positive, got " << a.model.window2d_width);
  MURINE_CHECK(a.sample_every > 0, "murine train: --sample-every must be positive, got " << a.sample_every);
  MURINE_CHECK(a.synthetic_count > 0, "murine train: --synthetic-count must be positive, got " << a.synthetic_count);
  const Device device = parse_device(a.device, "murine train");
  std::string dir = a.resume.empty() ? a.out : a.resume;
  MURINE_CHECK(a.resume.empty() || fs::is_directory(a.resume),
               "murine train: --resume '" << a.resume << "' is not a run directory");
  std::error_code ec;
  fs::create_directories(dir, ec);
  MURINE_CHECK(!ec && fs::is_directory(dir), "murine train: cannot create output directory '" << dir << "': " << ec.message());
  const std::string ckpt_path = dir + "/checkpoint.safetensors";
  Checkpoint resumed;
  if (!a.resume.empty()) {
    resumed = load_checkpoint(ckpt_path);
    a = resumed_args(a, resumed);
    a.resume = dir;
  }

  manual_seed(a.seed);
  std::unique_ptr<Trainable> model = make_trainable(a.model);

  // Data, in the model's pixel range.
  Tensor images;
  if (a.data == "synthetic-cats") {
    images = to_pixel_range(synthetic_cats(a.synthetic_count, (int)a.model.image_size, a.seed), model->pixel_range());
  } else {
    ImageFolder folder(a.data, (int)a.model.image_size);
    images = to_pixel_range(folder.images(), model->pixel_range());
  }
  const int64_t n = images.size(0);
  MURINE_CHECK(n >= a.batch, "murine train: " << n << " images are fewer than one batch of " << a.batch);
  const int64_t per_epoch = n / a.batch;
  if (a.epochs > 0 && a.resume.empty() && !steps_given) a.steps = a.epochs * per_epoch;
  write_text(dir + "/config.json", a.to_json().dump(2) + "\n");  // also proves the directory is writable
  Tensor shown = slice(images, 0, 0, std::min<int64_t>(n, 64));
  if (model->pixel_range() == PixelRange::MinusOneOne) shown = mul(add(shown, 1.0f), 0.5f);
  save_grid(shown, 8, dir + "/training_images.png");

  Generator rng(a.seed + 1);
  int64_t step = 0;
  if (!a.resume.empty()) {
    MURINE_CHECK(resumed.architecture == model->architecture(), "murine train: checkpoint '" << ckpt_path << "' is "
                 << resumed.architecture << ", its config builds " << model->architecture());
    model->load_state_parts(resumed.parts);
    model->load_streams(resumed.streams);
    step = resumed.step;
    rng = resumed.rng;
    trim_log(dir + "/losses.csv", step);
  } else {
    model->prepare(images);
    write_text(dir + "/summary.txt", model->summary_text());
  }
  model->to(device);  // after loading or preparing on the CPU; optimizer state follows at the first step
  auto save = [&] {
    save_checkpoint(ckpt_path, {model->state_parts(), step, rng, model->architecture(), a.to_json().dump(), model->streams()});
  };
  auto samples = [&](const std::string& name) {
    Generator fixed(a.seed + 2);  // the same noise every time
    save_grid(model->sample(64, fixed), 8, dir + "/" + name);
  };

  std::vector<std::string> columns = {"step"};
  for (const auto& name : model->loss_names()) columns.push_back(name);
  CsvLog log(dir + "/losses.csv", columns, !a.resume.empty());
  install_interrupt_handler();
  Progress progress(a.steps, a.batch, "train " + a.model.model);
  while (step < a.steps && !interrupted()) {
    const int64_t epoch = step / per_epoch, index = step % per_epoch;
    const std::vector<int64_t> order = epoch_order(n, a.seed, epoch);
    Tensor batch = gather_rows(images, order, index * a.batch, a.batch).to(device);
    std::vector<double> losses = model->train_step(batch, rng);
    ++step;
    std::vector<double> row = {(double)step};
    std::ostringstream stats;
    stats.precision(3);
    for (size_t i = 0; i < losses.size(); ++i) {
      row.push_back(losses[i]);
      stats << (i ? " " : "") << columns[i + 1] << " " << std::fixed << losses[i];
    }
    log.row(row);
    progress.update(step, stats.str());
    if (step % a.sample_every == 0) samples("samples_" + std::to_string(step) + ".png"), save();
  }
  save();
  if (interrupted()) {
    std::fprintf(stderr, "\ninterrupted at step %lld: checkpoint saved to %s (continue with --resume %s)\n",
                 (long long)step, ckpt_path.c_str(), dir.c_str());
    return 130;
  }
  samples("samples_final.png");
  std::string table;
  for (auto& [name, net] : model->networks()) table += (table.empty() ? "" : "\n") + name + "\n" + weight_sign_table(*net);
  write_text(dir + "/weights.txt", table);
  progress.finish("");
  std::printf("wrote %s: samples_final.png, training_images.png, losses.csv, weights.txt, checkpoint.safetensors\n",
              dir.c_str());
  return 0;
}

}  // namespace

Command add_train_command(CLI::App& app) {
  auto a = std::make_shared<TrainArgs>();
  CLI::App* sub = app.add_subcommand("train", "train a DCGAN or a DDIM and write a run directory");
  ModelConfig& m = a->model;
  sub->add_option("model", a->kind, "dcgan or ddim")->required();
  sub->add_option("--flavour", a->flavour, "dcgan: torch (the PyTorch notebook) or keras (the paper's script)");
  sub->add_option("--data", a->data, "synthetic-cats or an image folder (PNG/JPEG)");
  sub->add_option("--synthetic-count", a->synthetic_count, "number of synthetic faces");
  sub->add_option("--image-size", m.image_size, "image side (dcgan: 32 or 64)");
  sub->add_option("--ngf", m.ngf, "dcgan torch: generator width");
  sub->add_option("--ndf", m.ndf, "dcgan torch: discriminator width");
  sub->add_option("--width-scale", m.width_scale, "dcgan keras: multiplies every channel count");
  sub->add_option("--widths", m.widths, "ddim: U-Net widths, comma-separated (the last is the middle)")->delimiter(',');
  sub->add_option("--block-depth", m.block_depth, "ddim: residual blocks per stage");
  sub->add_option("--sampling-steps", m.sampling_steps, "ddim: diffusion steps for the sample grids");
  sub->add_option("--ema", m.ema, "ddim: decay of the EMA weights used for sampling");
  sub->add_option("--latent", m.latent, "dcgan: latent size");
  sub->add_option("--batch", a->batch, "batch size");
  CLI::Option* steps = sub->add_option("--steps", a->steps, "training steps");
  sub->add_option("--epochs", a->epochs, "training epochs (instead of --steps)");
  sub->add_option("--lr", m.lr, "learning rate (default: the model's, 2e-4 / keras 1e-4)");
  sub->add_option("--window2d-width", m.window2d_width, "window radius r of the mouse layers");
  sub->add_flag("--standard", m.standard, "plain layers instead of the mouse layers");
  sub->add_option("--seed", a->seed, "seed");
  sub->add_option("--device", a->device, "cpu or cuda");
  sub->add_option("--sample-every", a->sample_every, "steps between sample grids and checkpoints");
  sub->add_option("--out", a->out, "run directory");
  sub->add_option("--resume", a->resume, "continue the run in this directory");
  return {sub, [a, steps] {
            TrainArgs args = *a;
            MURINE_CHECK(!(steps->count() && args.epochs > 0), "murine train: give --steps or --epochs, not both");
            return run_train(args, steps->count() > 0);
          }};
}

}  // namespace murine::cli
