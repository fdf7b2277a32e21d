#pragma once

// `hotlinectl health`: each service's health and, per subscription of its
// events, what its relay still has to deliver (EventAdmin.GetSubscriptionLag).

#include <optional>
#include <string>
#include <vector>

#include "hotline/v1/admin.pb.h"

namespace hotline::ctl {

struct HealthRow {
  std::string service;
  std::string address;
  std::string status;  // SERVING, NOT_SERVING, UNREACHABLE (...)
  // The service's subscriptions, when GetSubscriptionLag answered.
  std::optional<v1::GetSubscriptionLagResponse> lag;
  // Otherwise why not (the gRPC code and message).
  std::string lag_error;
};

// Text: one line per service, then one per subscription ("-> deadline
// pending 12  oldest 0.4s", BEHIND / FAILING when so). JSON: an array of
// {"service", "address", "status", "lag": <GetSubscriptionLagResponse>} or
// "lag_error" instead of "lag".
std::string RenderHealth(const std::vector<HealthRow>& rows, bool json);

// "0.4s", "42.0s", "3m12s", "2h05m".
std::string FormatAge(int64_t seconds, int32_t nanos);

}  // namespace hotline::ctl
