// Trains a small mouse-mimetic DCGAN on the synthetic cat faces through the library API, without the
// CLI: the same run `murine train dcgan` makes, driven step by step from C++.
//
//   make examples && build/examples/train_dcgan [run directory] [steps]
//
// It writes the run directory of train/trainer.h (losses.csv, sample grids, checkpoint, …) and
// prints the losses every 10 steps. Like the CLI, it refuses a directory that already holds a run
// (pass murine::RunStart::Overwrite as the Trainer's third argument to replace it).
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "train/trainer.h"

int main(int argc, char** argv) try {
  murine::RunConfig config;
  config.model.model = "dcgan_torch";   // the PyTorch notebook's DCGAN, transposed convolutions masked
  config.model.image_size = 32;
  config.model.ngf = config.model.ndf = 16;
  config.model.window2d_width = 0.4;    // r of the mouse layers
  config.batch = 16;
  config.steps = argc > 2 ? std::atoll(argv[2]) : 40;
  config.sample_every = 20;
  config.synthetic_count = 512;
  config.seed = 1;

  murine::Trainer trainer(config, argc > 1 ? argv[1] : "example_run");
  trainer.set_progress_output(nullptr);  // this program prints its own lines
  const std::vector<std::string> names = trainer.model().loss_names();
  while (trainer.steps_done() < trainer.config().steps) {
    const std::vector<double> losses = trainer.step();
    if (trainer.steps_done() % 10 == 0)
      std::printf("step %lld: %s %.4f, %s %.4f\n", (long long)trainer.steps_done(), names[0].c_str(), losses[0],
                  names[1].c_str(), losses[1]);
  }
  trainer.save();
  trainer.write_samples("samples_final.png");
  std::printf("wrote %s/samples_final.png and %s/checkpoint.safetensors\n", trainer.dir().c_str(),
              trainer.dir().c_str());
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "train_dcgan: error: %s\n", e.what());
  return 1;
}
