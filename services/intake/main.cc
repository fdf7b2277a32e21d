#include "common/runtime/service_runtime.h"
#include "services/intake/intake_service.h"

int main(int argc, char** argv) {
  return hotline::runtime::RunServiceMain(argc, argv,
                                          hotline::intake::Definition());
}
