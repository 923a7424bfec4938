// Trainer: a training run as a library. It owns the loop around a Trainable (models/trainable.h): the
// data, the run directory, the fixed-noise sample grids, losses.csv, atomic checkpoints, exact resume,
// the progress bar and Ctrl-C. `murine train` is this class behind command-line flags; a C++ program
// uses it the same way (examples/train_dcgan.cpp).
//
// A run directory holds:
//   config.json            the RunConfig (model sizes and run settings)
//   summary.txt            every network's layers, output shapes, parameters and %usage
//   losses.csv             step, d_loss, g_loss (GANs) or step, n_loss, i_loss (DDIM)
//   samples_<step>.png     the model on the same fixed noise every sample_every steps
//   samples_final.png, training_images.png, weights.txt (positive/negative/zero weights per layer)
//   checkpoint.safetensors every network, optimizer, EMA and Dropout stream, the step and the RNG
//   .lock                  held (flock) by the trainer that writes here (train/run_lock.h)
#pragma once
#include <nlohmann/json.hpp>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "models/trainable.h"
#include "train/checkpoint.h"
#include "train/csv_log.h"
#include "train/progress.h"
#include "train/run_directory.h"

namespace murine {

// The settings of a run; the model's own sizes are in `model`.
struct RunConfig {
  ModelConfig model;
  std::string data = "synthetic-cats";  // "synthetic-cats" or a folder of PNG/JPEG images
  int64_t synthetic_count = 4096;       // images drawn when data is synthetic-cats
  int64_t batch = 64;
  int64_t steps = 500;
  int64_t epochs = 0;                   // > 0: train this many epochs instead (steps is then computed)
  int64_t sample_every = 100;           // steps between sample grids and checkpoints
  uint64_t seed = 0;                    // weights, data shuffling, noise: the whole run follows from it
  Device device = Device::CPU;

  // What config.json and the checkpoint record (epochs are recorded as the steps they give).
  nlohmann::json to_json() const;
  // Throws murine::Error naming the option for a nonsense value.
  void check(const std::string& op) const;
};

// How a call to Trainer::run ended.
struct RunOutcome {
  int64_t step = 0;          // steps done in total
  bool interrupted = false;  // Ctrl-C: the checkpoint was saved at `step`, the run can be resumed
};

class Trainer {
 public:
  // A fresh run in `dir`. Builds the model from config.model with weights drawn from
  // manual_seed(config.seed) and loads the data in the model's pixel range; only then creates `dir`
  // (train/run_directory.h: a directory already holding a run is refused unless `start` is
  // RunStart::Overwrite) and writes config.json, training_images.png and summary.txt.
  Trainer(RunConfig config, std::string dir, RunStart start = RunStart::Fresh);
  // Continues the run in `dir` from its checkpoint: every setting comes from the checkpoint. `steps`,
  // when given (> 0), is the run's new total and must exceed the step the checkpoint reached; without
  // it the run finishes its recorded total, and a finished run is an error saying how to extend it.
  // Bit-exact: the same steps as one straight run. The model moves to `device` (a run's device is not
  // part of its record). A non-empty `family` ("dcgan", "ddim") must prefix the run's model name.
  static std::unique_ptr<Trainer> resume(const std::string& dir, int64_t steps = 0, Device device = Device::CPU,
                                         const std::string& family = "");

  // One training step on the next batch; logs the losses (losses.csv, progress) and, every
  // sample_every steps, writes a sample grid and the checkpoint. Returns the losses, in loss_names order.
  std::vector<double> step();
  // Steps until config().steps or Ctrl-C (with install_interrupts), then saves the checkpoint; a run
  // that completes also writes samples_final.png and weights.txt.
  RunOutcome run(bool install_interrupts = true);
  // Writes the checkpoint now (atomic).
  void save() const;
  // The model on the run's fixed noise (the same every call), as a grid in the run directory.
  void write_samples(const std::string& file_name) const;

  const RunConfig& config() const { return config_; }
  const std::string& dir() const { return dir_; }
  int64_t steps_done() const { return step_; }
  Trainable& model() { return *model_; }
  // Where the progress bar goes (stderr by default; nullptr: no progress output).
  void set_progress_output(FILE* out) { progress_out_ = out; }

 private:
  Trainer(RunConfig config, std::string dir, const Checkpoint* resumed, RunStart start);
  std::string path(const std::string& file_name) const { return dir_ + "/" + file_name; }

  RunConfig config_;
  std::string dir_;
  std::unique_ptr<RunLock> lock_;  // the run directory is ours while the trainer lives (train/run_lock.h)
  std::unique_ptr<Trainable> model_;
  Tensor images_;                // the whole training set, (N, 3, S, S) in the model's pixel range
  int64_t per_epoch_ = 1;        // full batches per epoch
  std::vector<int64_t> order_;   // the shuffle of epoch order_epoch_ (epoch_order), drawn once per epoch
  int64_t order_epoch_ = -1;
  std::vector<std::string> loss_names_;
  Generator rng_{0};             // the run's noise (latents, diffusion times, label noise)
  int64_t step_ = 0;
  std::unique_ptr<CsvLog> log_;
  std::unique_ptr<Progress> progress_;
  FILE* progress_out_ = stderr;
};

}  // namespace murine
