// Ctrl-C during training: the first SIGINT only sets a flag, which the training loop reads after
// each step to save a checkpoint and exit cleanly; a second SIGINT ends the process at once.
#pragma once

namespace murine {

void install_interrupt_handler();
bool interrupted();
void clear_interrupt();  // for tests

}  // namespace murine
