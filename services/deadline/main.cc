#include "common/runtime/service_runtime.h"
#include "services/deadline/edge/deadline_service.h"

int main(int argc, char** argv) {
  return hotline::runtime::RunServiceMain(argc, argv,
                                          hotline::deadline::Definition());
}
