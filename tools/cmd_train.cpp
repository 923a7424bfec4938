// `murine train dcgan`: trains the PyTorch-flavour DCGAN (models/dcgan_torch.h) on the synthetic cat
// faces or an image folder, and writes a run directory:
//   config.json            the options of the run
//   losses.csv             step, d_loss, g_loss
//   samples_<step>.png     the generator on the same fixed latent vectors every --sample-every steps
//   samples_final.png, training_images.png, weights.txt (the seed's positive/negative/zero table)
//   checkpoint.safetensors generator, discriminator, both optimizers, step, RNG (atomic)
// --resume DIR continues from DIR's checkpoint; Ctrl-C finishes the step, saves and exits.
// Not yet here: the Keras flavour and the DDIM (issue 4 continues).
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <memory>

#include "models/dcgan_torch.h"
#include "tensor/atomic_file.h"
#include "tensor/error.h"
#include "tools/command.h"
#include "tools/image_grid.h"
#include "train/checkpoint.h"
#include "train/csv_log.h"
#include "train/image_folder.h"
#include "train/interrupt.h"
#include "train/progress.h"
#include "train/synthetic_cats.h"
#include "train/weight_stats.h"

namespace murine::cli {

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

struct TrainArgs {
  std::string model = "dcgan", flavour = "torch", data = "synthetic-cats", out = "run", resume;
  int64_t image_size = 32, ngf = 32, ndf = 32, latent = 100, batch = 64, steps = 500, sample_every = 100;
  int64_t synthetic_count = 4096;
  double window2d_width = 0.4, lr = 2e-4;
  bool standard = false;
  uint64_t seed = 0;

  json to_json() const {
    return {{"model", model}, {"flavour", flavour}, {"data", data}, {"image_size", image_size}, {"ngf", ngf},
            {"ndf", ndf}, {"latent", latent}, {"batch", batch}, {"steps", steps}, {"sample_every", sample_every},
            {"synthetic_count", synthetic_count}, {"window2d_width", window2d_width}, {"lr", lr},
            {"standard", standard}, {"seed", seed}};
  }
};

void write_text(const std::string& path, const std::string& text) {
  AtomicFile f(path, "murine train");
  f.write(text.data(), text.size());
  f.commit();
}

// Images in [-1, 1] → [0, 1], for pictures.
Tensor to_unit(const Tensor& x) { return clip(mul(add(x, 1.0f), 0.5f), 0.0f, 1.0f); }

int run_train(TrainArgs a) {
  MURINE_CHECK(a.model == "dcgan", "murine train: model '" << a.model << "' is not available yet (only dcgan)");
  MURINE_CHECK(a.flavour == "torch", "murine train: flavour '" << a.flavour << "' is not available yet (only torch)");
  MURINE_CHECK(a.batch > 0, "murine train: --batch must be positive, got " << a.batch);
  MURINE_CHECK(a.steps > 0, "murine train: --steps must be positive, got " << a.steps);
  MURINE_CHECK(a.window2d_width > 0, "murine train: --window2d-width must be positive, got " << a.window2d_width);
  MURINE_CHECK(a.sample_every > 0, "murine train: --sample-every must be positive, got " << a.sample_every);
  std::string dir = a.resume.empty() ? a.out : a.resume;
  MURINE_CHECK(a.resume.empty() || fs::is_directory(a.resume),
               "murine train: --resume '" << a.resume << "' is not a run directory");
  std::error_code ec;
  fs::create_directories(dir, ec);
  MURINE_CHECK(!ec && fs::is_directory(dir), "murine train: cannot create output directory '" << dir << "': " << ec.message());
  std::string ckpt_path = dir + "/checkpoint.safetensors";
  Checkpoint resumed;
  if (!a.resume.empty()) {
    resumed = load_checkpoint(ckpt_path);
    TrainArgs saved = a;
    json c = json::parse(resumed.config_json);
    saved.image_size = c.at("image_size"), saved.ngf = c.at("ngf"), saved.ndf = c.at("ndf"), saved.latent = c.at("latent");
    saved.batch = c.at("batch"), saved.window2d_width = c.at("window2d_width"), saved.standard = c.at("standard");
    saved.seed = c.at("seed"), saved.data = c.at("data"), saved.synthetic_count = c.at("synthetic_count");
    saved.sample_every = c.at("sample_every");
    saved.steps = std::max(a.steps, (int64_t)c.at("steps"));
    a = saved;
    a.resume = dir;
  }
  write_text(dir + "/config.json", a.to_json().dump(2) + "\n");  // also proves the directory is writable

  DcganTorchOptions o;
  o.latent = a.latent, o.ngf = a.ngf, o.ndf = a.ndf, o.image_size = a.image_size;
  o.window2d_width = a.window2d_width, o.standard = a.standard;
  manual_seed(a.seed);
  DcganTorch gan(o, a.lr);
  std::string architecture = "dcgan_torch latent=" + std::to_string(a.latent) + " ngf=" + std::to_string(a.ngf) +
                             " ndf=" + std::to_string(a.ndf) + " image=" + std::to_string(a.image_size) +
                             (a.standard ? " standard" : " r=" + std::to_string(a.window2d_width));

  // Data in [-1, 1].
  Tensor images;
  if (a.data == "synthetic-cats") {
    images = mul(add(synthetic_cats(a.synthetic_count, (int)a.image_size, a.seed), -0.5f), 2.0f);
  } else {
    ImageFolder folder(a.data, (int)a.image_size, PixelRange::MinusOneOne);
    images = folder.images();
  }
  int64_t n = images.size(0);
  MURINE_CHECK(n >= a.batch, "murine train: " << n << " images are fewer than one batch of " << a.batch);
  int64_t per_epoch = n / a.batch;
  save_grid(to_unit(slice(images, 0, 0, std::min<int64_t>(n, 64))), 8, dir + "/training_images.png");

  Generator rng(a.seed + 1);
  Generator fixed_gen(a.seed + 2);
  Tensor fixed_z = randn({64, a.latent, 1, 1}, fixed_gen);
  int64_t step = 0;
  if (!a.resume.empty()) {
    MURINE_CHECK(resumed.architecture == architecture, "murine train: checkpoint '" << ckpt_path << "' is "
                 << resumed.architecture << ", this run is " << architecture);
    gan.generator->load_state_dict(checkpoint_part(resumed, "generator"));
    gan.discriminator->load_state_dict(checkpoint_part(resumed, "discriminator"));
    gan.optimizer_g.load_state_dict(checkpoint_part(resumed, "optimizer_g"));
    gan.optimizer_d.load_state_dict(checkpoint_part(resumed, "optimizer_d"));
    step = resumed.step;
    rng = resumed.rng;
  }
  auto save = [&] {
    Checkpoint c{{{"generator", gan.generator->state_dict()}, {"discriminator", gan.discriminator->state_dict()},
                  {"optimizer_g", gan.optimizer_g.state_dict()}, {"optimizer_d", gan.optimizer_d.state_dict()}},
                 step, rng, architecture, a.to_json().dump()};
    save_checkpoint(ckpt_path, c);
  };
  auto samples = [&](const std::string& name) {
    NoGradGuard no_grad;
    gan.generator->eval();
    Tensor fake = gan.generator->forward(fixed_z);
    gan.generator->train();
    save_grid(to_unit(fake), 8, dir + "/" + name);
  };

  CsvLog log(dir + "/losses.csv", {"step", "d_loss", "g_loss"}, !a.resume.empty());
  install_interrupt_handler();
  Progress progress(a.steps, a.batch, "train dcgan");
  GanLosses last{0, 0};
  while (step < a.steps && !interrupted()) {
    int64_t epoch = step / per_epoch, index = step % per_epoch;
    std::vector<int64_t> order = epoch_order(n, a.seed, epoch);
    Tensor real = gather_rows(images, order, index * a.batch, a.batch);
    last = gan.train_step(real, rng);
    ++step;
    log.row({(double)step, last.d_loss, last.g_loss});
    char stats[96];
    std::snprintf(stats, sizeof stats, "d_loss %.3f g_loss %.3f", last.d_loss, last.g_loss);
    progress.update(step, stats);
    if (step % a.sample_every == 0) samples("samples_" + std::to_string(step) + ".png"), save();
  }
  save();
  if (interrupted()) {
    std::fprintf(stderr, "\ninterrupted at step %lld: checkpoint saved to %s (continue with --resume %s)\n",
                 (long long)step, ckpt_path.c_str(), dir.c_str());
    return 130;
  }
  samples("samples_final.png");
  write_text(dir + "/weights.txt", "generator\n" + weight_sign_table(*gan.generator) + "\ndiscriminator\n" +
                                       weight_sign_table(*gan.discriminator));
  progress.finish("");
  std::printf("wrote %s: samples_final.png, training_images.png, losses.csv, weights.txt, checkpoint.safetensors\n",
              dir.c_str());
  return 0;
}

}  // namespace

Command add_train_command(CLI::App& app) {
  auto a = std::make_shared<TrainArgs>();
  CLI::App* sub = app.add_subcommand("train", "train a model (now: the PyTorch-flavour DCGAN) and write a run directory");
  sub->add_option("model", a->model, "dcgan")->required();
  sub->add_option("--flavour", a->flavour, "torch (keras: not yet)");
  sub->add_option("--data", a->data, "synthetic-cats or an image folder");
  sub->add_option("--synthetic-count", a->synthetic_count, "number of synthetic faces");
  sub->add_option("--image-size", a->image_size, "32 or 64");
  sub->add_option("--ngf", a->ngf, "generator width");
  sub->add_option("--ndf", a->ndf, "discriminator width");
  sub->add_option("--latent", a->latent, "latent size");
  sub->add_option("--batch", a->batch, "batch size");
  sub->add_option("--steps", a->steps, "training steps");
  sub->add_option("--lr", a->lr, "Adam learning rate");
  sub->add_option("--window2d-width", a->window2d_width, "window radius r of the mouse layers");
  sub->add_flag("--standard", a->standard, "plain ConvTranspose2d instead of the mouse layers");
  sub->add_option("--seed", a->seed, "seed");
  sub->add_option("--sample-every", a->sample_every, "steps between sample grids and checkpoints");
  sub->add_option("--out", a->out, "run directory");
  sub->add_option("--resume", a->resume, "continue the run in this directory");
  return {sub, [a] { return run_train(*a); }};
}

}  // namespace murine::cli
