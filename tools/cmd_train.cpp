// `murine train dcgan|ddim`: the command-line face of train/trainer.h (`murine train classifier` is
// tools/cmd_classify.cpp, a subcommand of this one). It parses the options into a
// RunConfig, starts a fresh run in --out or resumes the one in --resume, and reports how it ended
// (Ctrl-C: the checkpoint is saved and the exit status is 130). The run directory is described in
// train/trainer.h.
#include <cstdio>
#include <memory>

#include "tensor/error.h"
#include "tools/command.h"
#include "train/trainer.h"

namespace murine::cli {

namespace {

// What the flags fill: the run's settings plus the choices that only the command line has.
struct TrainArgs {
  std::string kind = "dcgan", flavour = "torch", out = "run", resume, device = "cpu";
  bool overwrite = false;
  RunConfig run;
};

int run_train(TrainArgs a, bool steps_given) {
  MURINE_CHECK(a.kind == "dcgan" || a.kind == "ddim", "murine train: unknown model '" << a.kind << "' (dcgan or ddim)");
  MURINE_CHECK(a.flavour == "torch" || a.flavour == "keras",
               "murine train: --flavour must be torch or keras, got '" << a.flavour << "'");
  const Device device = parse_device(a.device, "murine train");
  std::unique_ptr<Trainer> trainer;
  if (a.resume.empty()) {
    a.run.model.model = a.kind == "ddim" ? "ddim" : "dcgan_" + a.flavour;
    a.run.device = device;
    trainer = std::make_unique<Trainer>(a.run, a.out, a.overwrite ? RunStart::Overwrite : RunStart::Fresh);
  } else {
    trainer = Trainer::resume(a.resume, steps_given ? a.run.steps : 0, device, a.kind);
  }
  const RunOutcome outcome = trainer->run();
  const std::string& dir = trainer->dir();
  if (outcome.interrupted) {
    std::fprintf(stderr, "\ninterrupted at step %lld: checkpoint saved to %s/checkpoint.safetensors (continue with --resume %s)\n",
                 (long long)outcome.step, dir.c_str(), dir.c_str());
    return 130;
  }
  std::printf("wrote %s: samples_final.png, training_images.png, losses.csv, weights.txt, checkpoint.safetensors\n",
              dir.c_str());
  return 0;
}

}  // namespace

Command add_train_command(CLI::App& app) {
  auto a = std::make_shared<TrainArgs>();
  CLI::App* sub = app.add_subcommand("train", "train a DCGAN or a DDIM and write a run directory");
  ModelConfig& m = a->run.model;
  sub->add_option("model", a->kind, "dcgan or ddim (or the subcommand classifier)");
  Command classifier = add_train_classifier_command(*sub);
  sub->add_option("--flavour", a->flavour, "dcgan: torch (the PyTorch notebook) or keras (the paper's script)")->capture_default_str();
  sub->add_option("--data", a->run.data, "synthetic-cats or an image folder (PNG/JPEG)")->capture_default_str();
  add_image_limit_option(sub);
  sub->add_option("--synthetic-count", a->run.synthetic_count, "number of synthetic faces")->capture_default_str();
  sub->add_option("--image-size", m.image_size, "image side (dcgan: 32 or 64)")->capture_default_str();
  sub->add_option("--ngf", m.ngf, "dcgan torch: generator width")->capture_default_str();
  sub->add_option("--ndf", m.ndf, "dcgan torch: discriminator width")->capture_default_str();
  sub->add_option("--width-scale", m.width_scale, "dcgan keras: multiplies every channel count")->capture_default_str();
  sub->add_option("--widths", m.widths, "ddim: U-Net widths, comma-separated (the last is the middle)")->delimiter(',')->capture_default_str();
  sub->add_option("--block-depth", m.block_depth, "ddim: residual blocks per stage")->capture_default_str();
  sub->add_option("--sampling-steps", m.sampling_steps, "ddim: diffusion steps for the sample grids")->capture_default_str();
  sub->add_option("--ema", m.ema, "ddim: decay of the EMA weights used for sampling")->capture_default_str();
  sub->add_option("--latent", m.latent, "dcgan: latent size")->capture_default_str();
  sub->add_option("--batch", a->run.batch, "batch size")->capture_default_str();
  CLI::Option* steps = sub->add_option("--steps", a->run.steps, "training steps")->capture_default_str();
  sub->add_option("--epochs", a->run.epochs, "training epochs (instead of --steps)")->capture_default_str();
  sub->add_option("--lr", m.lr, "learning rate (default: the model's, 2e-4 / keras 1e-4)");
  sub->add_option("--window2d-width", m.window2d_width, "window radius r of the mouse layers")->capture_default_str();
  sub->add_flag("--standard", m.standard, "plain layers instead of the mouse layers");
  sub->add_option("--seed", a->run.seed, "seed")->capture_default_str();
  sub->add_option("--device", a->device, "cpu or cuda")->capture_default_str();
  sub->add_option("--sample-every", a->run.sample_every, "steps between sample grids and checkpoints")->capture_default_str();
  sub->add_option("--out", a->out, "run directory")->capture_default_str();
  sub->add_option("--resume", a->resume, "continue the run in this directory");
  sub->add_flag("--overwrite", a->overwrite, "replace the run that --out holds (deletes its files)");
  return {sub, [a, steps, sub, classifier] {
            if (classifier.app->parsed()) return classifier.run();
            MURINE_CHECK(sub->get_option("model")->count(), "murine train: name the model: dcgan, ddim or classifier");
            TrainArgs args = *a;
            MURINE_CHECK(!(steps->count() && args.run.epochs > 0), "murine train: give --steps or --epochs, not both");
            if (!args.resume.empty())
              for (const CLI::Option* o : sub->get_options())
                MURINE_CHECK(!o->count() || o->get_name() == "model" || o->get_name() == "--resume" ||
                                 o->get_name() == "--steps" || o->get_name() == "--device" || o->get_name() == "--help",
                             "murine train: --resume continues with the settings in its checkpoint; "
                                 << o->get_name() << " cannot be given with it (only --steps and --device can)");
            return run_train(args, steps->count() > 0);
          }};
}

}  // namespace murine::cli
