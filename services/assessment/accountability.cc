#include "services/assessment/accountability.h"

#include <algorithm>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/server/proto_time.h"

namespace hotline::assessment {
namespace {

v1::Evidence EvidenceOf(const FactRecord& f, const std::string& what) {
  v1::Evidence e;
  e.set_event_id(f.event_id);
  e.set_ticket_id(f.ticket_id);
  *e.mutable_occurred_at() = ToProto(f.occurred_at);
  e.set_description(absl::StrCat(
      what, " ", calendar::FormatDate(f.local_date), " (",
      absl::FormatTime("%Y-%m-%dT%H:%MZ", f.occurred_at, absl::UTCTimeZone()),
      ")"));
  return e;
}

void Finish(v1::AccountabilityCandidate& c) {
  std::set<std::string> tickets;
  for (const auto& e : c.evidence()) tickets.insert(e.ticket_id());
  for (const auto& t : tickets) c.add_ticket_ids(t);
  if (c.evidence_size() > 0) {
    *c.mutable_first_at() = c.evidence(0).occurred_at();
    *c.mutable_last_at() = c.evidence(c.evidence_size() - 1).occurred_at();
  }
}

bool Want(const std::set<v1::AccountabilityKind>& kinds,
          v1::AccountabilityKind k) {
  return kinds.empty() || kinds.count(k) > 0;
}

}  // namespace

std::vector<v1::AccountabilityCandidate> FindCandidates(
    const std::vector<FactRecord>& facts, int late_return_threshold,
    const std::set<v1::AccountabilityKind>& kinds,
    const std::function<bool(const std::string&)>& in_scope) {
  using Key = std::pair<std::string, std::string>;  // ticket, unit
  std::map<Key, std::vector<const FactRecord*>> urgent, steps;
  std::map<Key, std::vector<const FactRecord*>> replies;
  std::map<std::string, std::vector<const FactRecord*>> late_returns;
  for (const FactRecord& f : facts) {
    if (f.unit_id.empty() || !in_scope(f.unit_id)) continue;
    const Key key{f.ticket_id, f.unit_id};
    const bool is_urgent = f.urgency == v1::URGENCY_URGENT ||
                           f.urgency == v1::URGENCY_EXTRA_URGENT;
    if (f.kind == "clock_stopped") {
      if (f.detail == "RETURN:MISSED") late_returns[f.unit_id].push_back(&f);
      if (is_urgent && absl::EndsWith(f.detail, ":MISSED") &&
          (absl::StartsWith(f.detail, "HANDLING") ||
           absl::StartsWith(f.detail, "REHANDLING") ||
           absl::StartsWith(f.detail, "LEAD_UNIT"))) {
        urgent[key].push_back(&f);
      }
    } else if (f.kind == "ladder_step_fired") {
      steps[key].push_back(&f);
      if (is_urgent && f.detail == "SUPERVISION") urgent[key].push_back(&f);
    } else if (f.kind == "replied") {
      replies[key].push_back(&f);
    }
  }
  std::vector<v1::AccountabilityCandidate> out;
  if (Want(kinds, v1::ACCOUNTABILITY_KIND_URGENT_DELAYED)) {
    for (const auto& [key, list] : urgent) {
      v1::AccountabilityCandidate c;
      c.set_candidate_id(absl::StrCat("urgent:", key.first, ":", key.second));
      c.set_kind(v1::ACCOUNTABILITY_KIND_URGENT_DELAYED);
      c.set_article("10(1)");
      c.set_unit_id(key.second);
      for (const FactRecord* f : list) {
        *c.add_evidence() = EvidenceOf(
            *f, f->kind == "clock_stopped"
                    ? absl::StrCat("urgent order: ", f->detail, " by ",
                                   f->amount, " working days on")
                    : absl::StrCat("urgent order: ", f->detail, " fired"));
      }
      Finish(c);
      out.push_back(std::move(c));
    }
  }
  if (Want(kinds, v1::ACCOUNTABILITY_KIND_NO_FEEDBACK_AFTER_SUPERVISION)) {
    for (const auto& [key, list] : steps) {
      if (list.size() < 2) continue;
      const absl::Time second = list[1]->occurred_at;
      bool fed_back = false;
      auto r = replies.find(key);
      if (r != replies.end()) {
        for (const FactRecord* f : r->second) {
          if (f->occurred_at > second) fed_back = true;
        }
      }
      if (fed_back) continue;
      v1::AccountabilityCandidate c;
      c.set_candidate_id(
          absl::StrCat("nofeedback:", key.first, ":", key.second));
      c.set_kind(v1::ACCOUNTABILITY_KIND_NO_FEEDBACK_AFTER_SUPERVISION);
      c.set_article("10(3)");
      c.set_unit_id(key.second);
      for (const FactRecord* f : list) {
        *c.add_evidence() =
            EvidenceOf(*f, absl::StrCat(f->detail, " fired, no reply since"));
      }
      Finish(c);
      out.push_back(std::move(c));
    }
  }
  if (Want(kinds, v1::ACCOUNTABILITY_KIND_REPEATED_LATE_RETURNS)) {
    for (const auto& [unit, list] : late_returns) {
      if (static_cast<int>(list.size()) < late_return_threshold) continue;
      v1::AccountabilityCandidate c;
      c.set_kind(v1::ACCOUNTABILITY_KIND_REPEATED_LATE_RETURNS);
      c.set_article("10(7)");
      c.set_unit_id(unit);
      for (const FactRecord* f : list) {
        *c.add_evidence() = EvidenceOf(*f, "return clock missed");
      }
      c.set_candidate_id(
          absl::StrCat("latereturns:", unit, ":", list.front()->event_id));
      Finish(c);
      out.push_back(std::move(c));
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    const absl::Time ta = FromProto(a.last_at()), tb = FromProto(b.last_at());
    if (ta != tb) return ta > tb;
    return a.candidate_id() < b.candidate_id();
  });
  return out;
}

}  // namespace hotline::assessment
