#include <cstring>

#include "common/runtime/service_runtime.h"
#include "services/intake/edge/intake_service.h"
#include "services/intake/rotate_keys.h"

int main(int argc, char** argv) {
  // `hotline-intake rotate-keys ...`: the operator command (rotate_keys.h).
  if (argc > 1 && std::strcmp(argv[1], "rotate-keys") == 0) {
    return hotline::intake::RotateKeysMain(argc - 1, argv + 1);
  }
  return hotline::runtime::RunServiceMain(argc, argv,
                                          hotline::intake::Definition());
}
