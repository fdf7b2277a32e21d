#include "common/runtime/service_runtime.h"
#include "services/assessment/edge/assessment_service.h"

int main(int argc, char** argv) {
  return hotline::runtime::RunServiceMain(argc, argv,
                                          hotline::assessment::Definition());
}
