#include "common/runtime/service_runtime.h"
#include "services/routing/edge/routing_service.h"

int main(int argc, char** argv) {
  return hotline::runtime::RunServiceMain(argc, argv,
                                          hotline::routing::Definition());
}
