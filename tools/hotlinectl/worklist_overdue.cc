#include "tools/hotlinectl/worklist_overdue.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace hotline::ctl {

std::optional<v1::ListDueRequest> OverdueClocksRequest(
    const v1::ListWorkRequest& request, const v1::ListWorkResponse& response) {
  int64_t latest = 0;
  bool any = false;
  for (const v1::WorkItem& item : response.items()) {
    if (!item.overdue()) continue;
    any = true;
    latest = std::max(latest, item.assignment().next_due().seconds());
  }
  if (!any) return std::nullopt;
  v1::ListDueRequest due;
  due.set_unit_id(request.unit_id());
  due.mutable_due_before()->set_seconds(latest + 1);
  due.mutable_page()->set_page_size(500);
  return due;
}

std::map<std::string, std::string> OverdueDays(const v1::ListWorkResponse& work,
                                               const v1::ListDueResponse& due) {
  std::map<std::string, int> most;
  for (const v1::DueItem& item : due.items()) {
    const v1::Clock& clock = item.clock();
    auto [it, inserted] =
        most.emplace(clock.ticket_id(), clock.overdue_working_days());
    if (!inserted)
      it->second = std::max(it->second, clock.overdue_working_days());
  }
  std::map<std::string, std::string> out;
  for (const v1::WorkItem& item : work.items()) {
    if (!item.overdue()) continue;
    auto it = most.find(item.assignment().ticket_id());
    if (it == most.end()) continue;
    out[it->first] = it->second > 0 ? absl::StrCat(it->second, " wd") : "<1 wd";
  }
  return out;
}

}  // namespace hotline::ctl
