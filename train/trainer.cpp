// Trainer: the training loop, run directory, resume and Ctrl-C of a run (train/trainer.h).
#include "train/trainer.h"

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "autograd/ops.h"
#include "data/image_folder.h"
#include "data/synthetic_cats.h"
#include "io/atomic_file.h"
#include "io/image_grid.h"
#include "io/json_field.h"
#include "io/json_limits.h"
#include "tensor/error.h"
#include "train/interrupt.h"
#include "train/weight_stats.h"

namespace murine {

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr const char* kCheckpoint = "checkpoint.safetensors";
constexpr int64_t kShownImages = 64;  // training_images.png and the sample grids: 8 × 8

void write_text(const std::string& path, const std::string& text) { write_file_atomic(path, text, "murine train"); }

// Keeps the header and the rows of losses.csv up to `step` (rows a crashed run logged after its last
// checkpoint would otherwise appear twice). A last line without its newline (a writer killed
// mid-row) is dropped; any other row that does not start with a step number is an error naming the
// file and the line.
void trim_log(const std::string& path, int64_t step) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return;
  std::string line, kept;
  int64_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (in.eof()) break;  // no newline after it: an unfinished row
    if (number == 1) {
      kept += line + "\n";
      continue;
    }
    char* end = nullptr;
    errno = 0;
    const long long row_step = std::strtoll(line.c_str(), &end, 10);
    MURINE_CHECK(end != line.c_str() && *end == ',' && errno == 0 && row_step >= 0,
                 "murine train: " << path << " line " << number << " is not a row of losses (it should start with a step number)");
    if (row_step <= step) kept += line + "\n";
  }
  in.close();
  write_text(path, kept);
}

// The run's settings from a checkpoint's config (the run directory's config.json at that time).
RunConfig config_from_checkpoint(const Checkpoint& c, const std::string& path) {
  RunConfig r;
  try {
    const json j = parse_json(c.config_json, "murine train: the config in checkpoint '" + path + "'");
    r.model = ModelConfig::from_json(j);
    const std::string what = "murine train: the config in checkpoint '" + path + "'";
    read_json_field(j, "data", r.data, what, true);
    read_json_field(j, "batch", r.batch, what, true);
    read_json_field(j, "seed", r.seed, what, true);
    read_json_field(j, "synthetic_count", r.synthetic_count, what, true);
    read_json_field(j, "sample_every", r.sample_every, what, true);
    read_json_field(j, "steps", r.steps, what, true);
  } catch (const json::exception& e) {
    MURINE_CHECK(false, "murine train: the config in checkpoint '" << path << "' is not a murine run config: "
                                                                   << e.what());
  }
  return r;
}

// The training set in the model's pixel range: (N, 3, S, S) on the CPU.
Tensor load_training_images(const RunConfig& c, PixelRange range) {
  const int size = (int)c.model.image_size;
  if (c.data == "synthetic-cats") return to_pixel_range(synthetic_cats(c.synthetic_count, size, c.seed), range);
  return to_pixel_range(ImageFolder(c.data, size).images(), range);
}

}  // namespace

json RunConfig::to_json() const {
  json j = model.to_json();
  j.update({{"data", data}, {"batch", batch}, {"steps", steps}, {"sample_every", sample_every},
            {"synthetic_count", synthetic_count}, {"seed", seed}});
  return j;
}

void RunConfig::check(const std::string& op) const {
  MURINE_CHECK(batch > 0, op << ": batch must be positive, got " << batch);
  MURINE_CHECK(steps > 0, op << ": steps must be positive, got " << steps);
  MURINE_CHECK(epochs >= 0, op << ": epochs must be 0 (train for steps) or positive, got " << epochs);
  MURINE_CHECK(model.window2d_width > 0, op << ": window2d_width must be positive, got " << model.window2d_width);
  MURINE_CHECK(sample_every > 0, op << ": sample_every must be positive, got " << sample_every);
  MURINE_CHECK(synthetic_count > 0, op << ": synthetic_count must be positive, got " << synthetic_count);
  // bounded before anything is allocated: the images are held in memory, 3·S²·4 bytes each
  const double image_bytes = 3.0 * (double)model.image_size * (double)model.image_size * 4.0;
  MURINE_CHECK(synthetic_count <= 1'000'000 && synthetic_count * image_bytes <= 16e9,
               op << ": synthetic_count = " << synthetic_count << " images of " << model.image_size << "² would take "
                  << synthetic_count * image_bytes / 1e9 << " GB (at most 1000000 images and 16 GB)");
  MURINE_CHECK(batch <= 65536, op << ": batch = " << batch << " is beyond the limit 65536");
  MURINE_CHECK(steps <= 100'000'000 && epochs <= 1'000'000, op << ": steps = " << steps << " or epochs = " << epochs
                                                               << " is beyond the limits 1e8 / 1e6");
}

Trainer::Trainer(RunConfig config, std::string dir, RunStart start)
    : Trainer(std::move(config), std::move(dir), nullptr, start) {}

std::unique_ptr<Trainer> Trainer::resume(const std::string& dir, int64_t steps, Device device,
                                         const std::string& family) {
  MURINE_CHECK(fs::is_directory(dir), "murine train: --resume '" << dir << "' is not a run directory");
  const std::string ckpt = dir + "/" + kCheckpoint;
  const Checkpoint resumed = load_checkpoint(ckpt);
  RunConfig config = config_from_checkpoint(resumed, ckpt);
  const std::string& model = config.model.model;
  MURINE_CHECK(family.empty() || model.rfind(family, 0) == 0,
               "murine train " << family << ": the run in '" << dir << "' trains " << model << ", not a " << family
                               << " (resume it with murine train " << model.substr(0, model.find('_')) << " --resume)");
  if (steps > 0) {
    MURINE_CHECK(steps > resumed.step, "murine train: --steps " << steps << " is the run's new total, but the run in '"
                                                                << dir << "' is already at step " << resumed.step);
    config.steps = steps;
  } else {
    MURINE_CHECK(resumed.step < config.steps, "murine train: the run in '" << dir << "' has finished its " << config.steps
                                                                           << " steps; give --steps N (more than "
                                                                           << config.steps << ") to train further");
  }
  check_finite(resumed, ckpt);
  config.device = device;
  return std::unique_ptr<Trainer>(new Trainer(std::move(config), dir, &resumed, RunStart::Resume));
}

Trainer::Trainer(RunConfig config, std::string dir, const Checkpoint* resumed, RunStart start)
    : config_(std::move(config)), dir_(std::move(dir)) {
  config_.check("murine train");
  manual_seed(config_.seed);
  model_ = make_trainable(config_.model);
  images_ = load_training_images(config_, model_->pixel_range());
  const int64_t n = images_.size(0);
  MURINE_CHECK(n >= config_.batch, "murine train: " << n << " images are fewer than one batch of " << config_.batch);
  // The run can start: only now is the directory made (a failed start leaves none), locked and checked.
  lock_ = open_run_directory(dir_, start, "murine train");
  per_epoch_ = n / config_.batch;
  if (config_.epochs > 0 && !resumed) config_.steps = config_.epochs * per_epoch_;
  write_text(path("config.json"), config_.to_json().dump(2) + "\n");  // also proves the directory is writable
  save_grid(from_pixel_range(slice(images_, 0, 0, std::min(n, kShownImages)), model_->pixel_range()), 8,
            path("training_images.png"));

  rng_ = Generator(config_.seed + 1);
  if (resumed) {
    MURINE_CHECK(resumed->architecture == model_->architecture(),
                 "murine train: checkpoint '" << path(kCheckpoint) << "' is " << resumed->architecture
                                              << ", its config builds " << model_->architecture());
    model_->load_state_parts(resumed->parts);
    model_->load_streams(resumed->streams);
    step_ = resumed->step;
    rng_ = resumed->rng;
    trim_log(path("losses.csv"), step_);
  } else {
    model_->prepare(images_);
    write_text(path("summary.txt"), model_->summary_text());
  }
  model_->to(config_.device);  // after loading or preparing on the CPU; optimizer state follows at the first step

  loss_names_ = model_->loss_names();
  std::vector<std::string> columns = {"step"};
  for (const std::string& name : loss_names_) columns.push_back(name);
  log_ = std::make_unique<CsvLog>(path("losses.csv"), columns, resumed != nullptr);
}

void Trainer::save() const {
  save_checkpoint(path(kCheckpoint), {model_->state_parts(), step_, rng_, model_->architecture(),
                                      config_.to_json().dump(), model_->streams()});
}

void Trainer::write_samples(const std::string& file_name) const {
  Generator fixed(config_.seed + 2);  // the same noise every time
  save_grid(model_->sample(kShownImages, fixed), 8, path(file_name));
}

std::vector<double> Trainer::step() {
  const int64_t n = images_.size(0);
  const int64_t epoch = step_ / per_epoch_, index = step_ % per_epoch_;
  if (epoch != order_epoch_) order_ = epoch_order(n, config_.seed, epoch), order_epoch_ = epoch;
  Tensor batch = gather_rows(images_, order_, index * config_.batch, config_.batch).to(config_.device);
  std::vector<double> losses = model_->train_step(batch, rng_);
  ++step_;

  std::vector<double> row = {(double)step_};
  std::ostringstream stats;
  stats.precision(3);
  for (size_t i = 0; i < losses.size(); ++i) {
    row.push_back(losses[i]);
    stats << (i ? " " : "") << loss_names_[i] << " " << std::fixed << losses[i];
  }
  log_->row(row);
  if (progress_out_) {
    if (!progress_) progress_ = std::make_unique<Progress>(config_.steps, config_.batch, "train " + config_.model.model, progress_out_);
    progress_->update(step_, stats.str());
  }
  if (step_ % config_.sample_every == 0) write_samples("samples_" + std::to_string(step_) + ".png"), save();
  return losses;
}

RunOutcome Trainer::run(bool install_interrupts) {
  if (install_interrupts) install_interrupt_handler();
  while (step_ < config_.steps && !interrupted()) step();
  save();
  if (interrupted()) return {step_, true};
  write_samples("samples_final.png");
  std::string table;
  for (auto& [name, net] : model_->networks())
    table += (table.empty() ? "" : "\n") + name + "\n" + weight_sign_table(*net);
  write_text(path("weights.txt"), table);
  if (progress_) progress_->finish("");
  return {step_, false};
}

}  // namespace murine
