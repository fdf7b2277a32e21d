#include "services/assessment/indicators.h"

#include <algorithm>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/server/proto_enum.h"
#include "common/server/proto_time.h"

namespace hotline::assessment {

// Defined in the generated weights_embed.cc (policy/weights.txt).
extern const char kEmbeddedWeights[];

const std::array<const char*, kCounterCount>& CounterColumns() {
  static const std::array<const char*, kCounterCount> kNames = {
      "orders",           "resp_due",        "resp_met",
      "fwd_due",          "fwd_met",         "compl_due",
      "compl_met",        "overdue_orders",  "overdue_days",
      "ext_requested",    "ext_approved",    "returns_made",
      "late_returns",     "disputes_raised", "disputes_upheld",
      "disputes_granted", "reviews",         "reviews_rejected",
      "reminders",        "supervisions",    "inspections",
      "notices",          "evaluations",     "reached",
      "satisfied",        "resolved",        "replies",
      "received",         "closed_at_intake"};
  return kNames;
}

void Counters::Add(const Counters& other) {
  for (int i = 0; i < kCounterCount; ++i) v[i] += other.v[i];
}

bool Counters::IsZero() const {
  for (int64_t x : v) {
    if (x != 0) return false;
  }
  return true;
}

void AddHistogram(Histogram& into, const Histogram& from) {
  for (const auto& [k, n] : from) into[k] += n;
}

double Median(const Histogram& h) {
  int64_t total = 0;
  for (const auto& [k, n] : h) total += n;
  if (total == 0) return 0;
  // 0-based positions of the middle values.
  const int64_t lo = (total - 1) / 2, hi = total / 2;
  double a = 0, b = 0;
  int64_t seen = 0;
  bool have_a = false;
  for (const auto& [k, n] : h) {
    if (!have_a && lo < seen + n) {
      a = static_cast<double>(k);
      have_a = true;
    }
    if (hi < seen + n) {
      b = static_cast<double>(k);
      break;
    }
    seen += n;
  }
  return (a + b) / 2;
}

namespace {

void ApplyDispatch(const v1::Dispatched& d, absl::Time at, FactPlan& plan) {
  TicketInfo& t = plan.ticket;
  plan.fact.unit_id = d.unit_id();
  if (d.request_type() != 0) t.request_type = d.request_type();
  if (d.urgency() != 0) t.urgency = d.urgency();
  if (!d.category_code().empty()) t.category_code = d.category_code();
  if (!d.area_code().empty()) t.area_code = d.area_code();
  t.dispatched_at = at;
  t.review_status = "NONE";
  t.replied_unit_id.clear();
  t.approved_unit_id.clear();
  plan.units.push_back({d.unit_id(), kCenterUnit, false});
  if (!d.area_code().empty()) {
    plan.units.push_back({d.area_code(), kCenterUnit, true});
  }
}

}  // namespace

absl::StatusOr<FactPlan> PlanFact(const v1::TicketEvent& e,
                                  const TicketInfo& before,
                                  const calendar::Calendar& cal) {
  FactPlan plan;
  plan.ticket = before;
  plan.ticket.known = true;
  if (plan.ticket.ticket_number.empty()) {
    plan.ticket.ticket_number = e.ticket_number();
  }
  FactRecord& f = plan.fact;
  f.event_id = e.event_id();
  f.producer = e.producer();
  f.ticket_id = e.ticket_id();
  f.seq = e.seq();
  f.occurred_at = FromProto(e.occurred_at());
  f.local_date = calendar::LocalDay(f.occurred_at);
  TicketInfo& t = plan.ticket;

  switch (e.payload_case()) {
    case v1::TicketEvent::kTicketCreated: {
      const auto& c = e.ticket_created();
      f.kind = "ticket_created";
      f.unit_id = kCenterUnit;
      t.request_type = c.request_type();
      t.urgency = c.urgency();
      t.category_code = c.category_code();
      t.area_code = c.location().town_code();
      if (!t.area_code.empty()) {
        plan.units.push_back({t.area_code, kCenterUnit, true});
      }
      break;
    }
    case v1::TicketEvent::kTicketClosedAtIntake:
      f.kind = "ticket_closed_at_intake";
      f.unit_id = kCenterUnit;
      break;
    case v1::TicketEvent::kTicketMerged:
      f.kind = "ticket_merged";
      break;
    case v1::TicketEvent::kTicketUnmerged:
      f.kind = "ticket_unmerged";
      break;
    case v1::TicketEvent::kDispatched:
      f.kind = "dispatched";
      ApplyDispatch(e.dispatched(), f.occurred_at, plan);
      break;
    case v1::TicketEvent::kRedispatched:
      f.kind = "redispatched";
      ApplyDispatch(e.redispatched().dispatch(), f.occurred_at, plan);
      f.detail =
          absl::StrCat("round:", e.redispatched().dispatch().dispatch_round());
      break;
    case v1::TicketEvent::kAccepted:
      f.kind = "accepted";
      f.unit_id = e.accepted().unit_id();
      break;
    case v1::TicketEvent::kForwarded:
      f.kind = "forwarded";
      f.unit_id = e.forwarded().to_unit_id();
      plan.units.push_back(
          {e.forwarded().to_unit_id(), e.forwarded().from_unit_id(), false});
      break;
    case v1::TicketEvent::kReturned: {
      const auto& r = e.returned();
      f.kind = "returned";
      f.unit_id = r.from_unit_id();
      f.detail = r.reached_center() ? "reached_center" : "";
      if (!r.to_unit_id().empty()) {
        plan.units.push_back({r.from_unit_id(), r.to_unit_id(), false});
      }
      break;
    }
    case v1::TicketEvent::kDisputeRaised:
      f.kind = "dispute_raised";
      f.unit_id = e.dispute_raised().unit_id();
      break;
    case v1::TicketEvent::kDisputeDecided:
      f.kind = "dispute_decided";
      f.unit_id = e.dispute_decided().unit_id();
      f.detail =
          e.dispute_decided().outcome() == v1::DISPUTE_OUTCOME_DISPATCH_UPHELD
              ? "DISPATCH_UPHELD"
              : "DISPUTE_GRANTED";
      break;
    case v1::TicketEvent::kCoUnitsAdded:
      f.kind = "co_units_added";
      f.unit_id = e.co_units_added().lead_unit_id();
      break;
    case v1::TicketEvent::kCoOpinionSubmitted:
      f.kind = "co_opinion_submitted";
      f.unit_id = e.co_opinion_submitted().co_unit_id();
      break;
    case v1::TicketEvent::kReplied: {
      const auto& r = e.replied();
      f.kind = "replied";
      f.unit_id = r.unit_id();
      t.replied_unit_id = r.unit_id();
      t.review_status = "REPLIED";
      if (r.rehandling_round() == 0 && t.dispatched_at.has_value()) {
        auto n = cal.CountWorkingDays(calendar::LocalDay(*t.dispatched_at),
                                      f.local_date);
        if (n.ok()) {
          f.detail = "first";
          f.amount = std::max<int64_t>(0, n->working_days);
        }
      } else {
        f.detail = absl::StrCat("round:", r.rehandling_round());
      }
      break;
    }
    case v1::TicketEvent::kReviewed: {
      const auto& r = e.reviewed();
      f.kind = "reviewed";
      f.unit_id = r.unit_id();
      f.detail = r.approved() ? "approved" : "rejected";
      t.review_status = r.approved() ? "APPROVED" : "REJECTED";
      t.approved_unit_id = r.approved() ? r.unit_id() : "";
      break;
    }
    case v1::TicketEvent::kClosed:
      f.kind = "closed";
      f.unit_id = e.closed().handling_unit_id();
      break;
    case v1::TicketEvent::kClockStarted:
      f.kind = "clock_started";
      f.unit_id = e.clock_started().unit_id();
      f.detail = server::ShortEnumName(e.clock_started().kind());
      break;
    case v1::TicketEvent::kClockStopped: {
      const auto& s = e.clock_stopped();
      f.kind = "clock_stopped";
      f.unit_id = s.unit_id();
      f.detail = absl::StrCat(server::ShortEnumName(s.kind()), ":",
                              server::ShortEnumName(s.outcome()));
      f.amount = s.overdue_working_days();
      break;
    }
    case v1::TicketEvent::kClockMoved:
      f.kind = "clock_moved";
      f.unit_id = e.clock_moved().unit_id();
      f.detail = server::ShortEnumName(e.clock_moved().kind());
      break;
    case v1::TicketEvent::kExtensionRequested:
      f.kind = "extension_requested";
      f.unit_id = e.extension_requested().unit_id();
      break;
    case v1::TicketEvent::kExtensionDecided:
      f.kind = "extension_decided";
      f.unit_id = e.extension_decided().unit_id();
      f.detail = e.extension_decided().approved() ? "approved" : "rejected";
      break;
    case v1::TicketEvent::kLadderStepFired:
      f.kind = "ladder_step_fired";
      f.unit_id = e.ladder_step_fired().unit_id();
      f.detail = server::ShortEnumName(e.ladder_step_fired().step());
      break;
    case v1::TicketEvent::kEvaluationRecorded: {
      const auto& r = e.evaluation_recorded();
      f.kind = "evaluation_recorded";
      f.unit_id = r.unit_id();
      const bool satisfied =
          r.reached() &&
          (r.satisfaction() == v1::SATISFACTION_SATISFIED ||
           r.satisfaction() == v1::SATISFACTION_BASICALLY_SATISFIED);
      f.detail =
          !r.reached() ? "unreached"
          : satisfied
              ? (r.resolved() ? "satisfied:resolved" : "satisfied")
              : (r.resolved() ? "dissatisfied:resolved" : "dissatisfied");
      break;
    }
    default:
      return absl::InvalidArgumentError("event: payload missing or unknown");
  }
  f.request_type = t.request_type;
  f.urgency = t.urgency;
  f.category_code = t.category_code;
  f.area_code = t.area_code;
  return plan;
}

Contribution ContributionOf(const FactRecord& f) {
  Contribution c;
  auto& v = c.counters.v;
  const std::string& k = f.kind;
  const std::string& d = f.detail;
  if (k == "ticket_created") {
    v[kReceived] = 1;
    c.topic = true;
  } else if (k == "ticket_closed_at_intake") {
    v[kClosedAtIntake] = 1;
  } else if (k == "dispatched" || k == "redispatched" || k == "forwarded") {
    v[kOrders] = 1;
  } else if (k == "returned") {
    v[kReturns] = 1;
  } else if (k == "dispute_raised") {
    v[kDisputesRaised] = 1;
  } else if (k == "dispute_decided") {
    v[d == "DISPATCH_UPHELD" ? kDisputesUpheld : kDisputesGranted] = 1;
  } else if (k == "replied") {
    if (d == "first") {
      v[kReplies] = 1;
      c.handling_days = f.amount;
    }
  } else if (k == "reviewed") {
    v[kReviews] = 1;
    if (d == "rejected") v[kReviewsRejected] = 1;
  } else if (k == "clock_stopped") {
    const bool met = absl::EndsWith(d, ":MET");
    const bool missed = absl::EndsWith(d, ":MISSED");
    if (met || missed) {
      if (absl::StartsWith(d, "RESPONSE:")) {
        v[kRespDue] = 1;
        v[kRespMet] = met;
      } else if (absl::StartsWith(d, "FORWARD:")) {
        v[kFwdDue] = 1;
        v[kFwdMet] = met;
      } else if (absl::StartsWith(d, "HANDLING:") ||
                 absl::StartsWith(d, "LEAD_UNIT:")) {
        // A multi-unit order's completion is the lead unit's (6(2)).
        v[kComplDue] = 1;
        v[kComplMet] = met;
        if (missed) {
          v[kOverdueOrders] = 1;
          v[kOverdueDays] = f.amount;
        }
      } else if (absl::StartsWith(d, "RETURN:") && missed) {
        v[kLateReturns] = 1;
      }
    }
  } else if (k == "extension_requested") {
    v[kExtRequested] = 1;
  } else if (k == "extension_decided") {
    if (d == "approved") v[kExtApproved] = 1;
  } else if (k == "ladder_step_fired") {
    if (d == "REMINDER") v[kReminders] = 1;
    if (d == "SUPERVISION") v[kSupervisions] = 1;
    if (d == "SPECIAL_INSPECTION") v[kInspections] = 1;
    if (d == "DISTRICT_NOTICE") v[kNotices] = 1;
  } else if (k == "evaluation_recorded") {
    v[kEvaluations] = 1;
    if (d != "unreached") {
      v[kReached] = 1;
      v[kSatisfied] = absl::StartsWith(d, "satisfied");
      v[kResolved] = absl::EndsWith(d, ":resolved");
    }
  }
  return c;
}

namespace {
void SetRatio(v1::Ratio* r, int64_t num, int64_t den) {
  r->set_numerator(num);
  r->set_denominator(den);
  r->set_value(den == 0 ? 0.0 : static_cast<double>(num) / den);
}
}  // namespace

v1::Indicators ToIndicators(const Counters& c, const Histogram& h) {
  const auto& v = c.v;
  v1::Indicators i;
  i.set_orders(v[kOrders]);
  SetRatio(i.mutable_on_time_response(), v[kRespMet], v[kRespDue]);
  SetRatio(i.mutable_on_time_forwarding(), v[kFwdMet], v[kFwdDue]);
  SetRatio(i.mutable_on_time_completion(), v[kComplMet], v[kComplDue]);
  i.set_overdue_orders(v[kOverdueOrders]);
  i.set_overdue_working_days(v[kOverdueDays]);
  i.set_extensions_requested(v[kExtRequested]);
  i.set_extensions_approved(v[kExtApproved]);
  i.set_returns(v[kReturns]);
  i.set_late_returns(v[kLateReturns]);
  i.set_disputes_raised(v[kDisputesRaised]);
  i.set_disputes_dispatch_upheld(v[kDisputesUpheld]);
  i.set_disputes_granted(v[kDisputesGranted]);
  SetRatio(i.mutable_rehandling(), v[kReviewsRejected], v[kReviews]);
  i.set_reminders(v[kReminders]);
  i.set_supervisions(v[kSupervisions]);
  i.set_special_inspections(v[kInspections]);
  i.set_district_notices(v[kNotices]);
  SetRatio(i.mutable_reached(), v[kReached], v[kEvaluations]);
  SetRatio(i.mutable_satisfaction(), v[kSatisfied], v[kReached]);
  SetRatio(i.mutable_resolution(), v[kResolved], v[kReached]);
  i.set_median_handling_working_days(Median(h));
  i.set_received(v[kReceived]);
  SetRatio(i.mutable_closed_at_intake(), v[kClosedAtIntake], v[kReceived]);
  return i;
}

// ---------------------------------------------------------------- score

namespace {
const std::set<std::string>& ScoredIndicators() {
  static const auto* const kSet = new std::set<std::string>{
      "on_time_response", "on_time_forwarding", "on_time_completion",
      "satisfaction",     "resolution",         "rehandling",
      "reached"};
  return *kSet;
}
}  // namespace

absl::StatusOr<Weights> ParseWeights(absl::string_view text) {
  Weights w;
  w.version.clear();
  double sum = 0;
  int line_no = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_no;
    const size_t hash = line.find('#');
    if (hash != absl::string_view::npos) line = line.substr(0, hash);
    std::vector<absl::string_view> f =
        absl::StrSplit(line, absl::ByAnyChar(" \t\r"), absl::SkipEmpty());
    if (f.empty()) continue;
    const std::string where = absl::StrCat("weights line ", line_no, ": ");
    if (f[0] == "version" && f.size() == 2) {
      w.version = std::string(f[1]);
    } else if (f[0] == "weight" && f.size() == 3) {
      double x = 0;
      if (!ScoredIndicators().count(std::string(f[1]))) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, "unknown indicator ", f[1]));
      }
      if (!absl::SimpleAtod(f[2], &x) || x < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, "weight must be a number ≥ 0"));
      }
      w.weights.emplace_back(std::string(f[1]), x);
      sum += x;
    } else if (f[0] == "late_return_threshold" && f.size() == 2) {
      if (!absl::SimpleAtoi(f[1], &w.late_return_threshold) ||
          w.late_return_threshold < 1) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, "late_return_threshold must be ≥ 1"));
      }
    } else {
      return absl::InvalidArgumentError(absl::StrCat(where, "not understood"));
    }
  }
  if (w.version.empty()) {
    return absl::InvalidArgumentError("weights: version missing");
  }
  if (w.weights.empty() || sum < 0.999 || sum > 1.001) {
    return absl::InvalidArgumentError("weights: must sum to 1");
  }
  return w;
}

const Weights& DefaultWeights() {
  static const Weights* const kW = [] {
    auto w = ParseWeights(kEmbeddedWeights);
    return new Weights(w.ok() ? *w : Weights{"invalid", {}, 2});
  }();
  return *kW;
}

double CompositeScore(const v1::Indicators& ind, const Weights& w,
                      std::vector<v1::ScoreComponent>* components) {
  double score = 0;
  for (const auto& [name, weight] : w.weights) {
    const v1::Ratio* r = nullptr;
    bool invert = false;
    if (name == "on_time_response") r = &ind.on_time_response();
    if (name == "on_time_forwarding") r = &ind.on_time_forwarding();
    if (name == "on_time_completion") r = &ind.on_time_completion();
    if (name == "satisfaction") r = &ind.satisfaction();
    if (name == "resolution") r = &ind.resolution();
    if (name == "reached") r = &ind.reached();
    if (name == "rehandling") {
      r = &ind.rehandling();
      invert = true;
    }
    if (r == nullptr) continue;
    double value =
        r->denominator() == 0 ? 1.0 : (invert ? 1.0 - r->value() : r->value());
    const double contribution = value * weight * 100.0;
    score += contribution;
    if (components != nullptr) {
      v1::ScoreComponent c;
      c.set_indicator(name);
      c.set_value(value);
      c.set_weight(weight);
      c.set_contribution(contribution);
      components->push_back(c);
    }
  }
  return score;
}

// ---------------------------------------------------------------- units

namespace {
bool HasTownPrefix(const std::string& id) {
  return absl::StartsWith(id, "town.") || absl::StartsWith(id, "street.") ||
         absl::StartsWith(id, "town-") || absl::StartsWith(id, "street-");
}
}  // namespace

void UnitTree::Add(const std::string& unit_id, const std::string& parent_id,
                   bool is_area) {
  if (unit_id.empty()) return;
  Node& n = nodes_[unit_id];
  if (!parent_id.empty() && parent_id != unit_id) n.parent = parent_id;
  n.is_area = n.is_area || is_area;
}

bool UnitTree::Has(const std::string& unit_id) const {
  return unit_id == kCenterUnit || nodes_.count(unit_id) > 0;
}

std::string UnitTree::Parent(const std::string& unit_id) const {
  auto it = nodes_.find(unit_id);
  if (it == nodes_.end()) return "";
  return it->second.parent;
}

void UnitTree::SetDirectoryEntry(const std::string& unit_id,
                                 const std::string& name, v1::UnitKind kind,
                                 const std::string& parent_id) {
  if (unit_id.empty()) return;
  if (!name.empty()) names_[unit_id] = name;
  if (unit_id == kCenterUnit) return;
  Node& n = nodes_[unit_id];
  if (!parent_id.empty()) n.parent = parent_id;
  n.kind = kind;
}

std::string UnitTree::Name(const std::string& unit_id) const {
  auto it = names_.find(unit_id);
  return it == names_.end() ? unit_id : it->second;
}

v1::UnitKind UnitTree::Kind(const std::string& unit_id) const {
  if (unit_id == kCenterUnit) return v1::UNIT_KIND_CENTER;
  auto it = nodes_.find(unit_id);
  if (it == nodes_.end()) return v1::UNIT_KIND_UNSPECIFIED;
  if (it->second.kind != v1::UNIT_KIND_UNSPECIFIED) return it->second.kind;
  const std::string& parent = it->second.parent;
  if (parent.empty() || parent == kCenterUnit) {
    return it->second.is_area || HasTownPrefix(unit_id)
               ? v1::UNIT_KIND_TOWN_STREET
               : v1::UNIT_KIND_DEPARTMENT;
  }
  // Below the first level: follow the parents up (bounded against cycles).
  std::string top = unit_id;
  for (int i = 0; i < 64; ++i) {
    std::string p = Parent(top);
    if (p.empty() || p == kCenterUnit) break;
    top = p;
  }
  auto t = nodes_.find(top);
  const bool town =
      (t != nodes_.end() && t->second.is_area) || HasTownPrefix(top);
  return town ? v1::UNIT_KIND_VILLAGE_COMMUNITY : v1::UNIT_KIND_SECTION;
}

bool UnitTree::InSubtree(const std::string& unit_id,
                         const std::string& root) const {
  if (root == kCenterUnit) return true;
  std::string u = unit_id;
  for (int i = 0; i < 64 && !u.empty(); ++i) {
    if (u == root) return true;
    u = Parent(u);
  }
  return false;
}

std::vector<std::string> UnitTree::Subtree(const std::string& root) const {
  std::vector<std::string> out;
  if (root == kCenterUnit) out.push_back(kCenterUnit);
  for (const auto& [id, node] : nodes_) {
    if (InSubtree(id, root)) out.push_back(id);
  }
  return out;
}

std::vector<std::string> UnitTree::UnitsOfKind(v1::UnitKind kind) const {
  std::vector<std::string> out;
  for (const auto& [id, node] : nodes_) {
    if (Kind(id) == kind) out.push_back(id);
  }
  return out;
}

namespace {

// Splits one CSV record (RFC 4180 quotes, no line breaks inside fields).
std::vector<std::string> SplitCsv(absl::string_view line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        out.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        out.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.emplace_back();
    } else if (c != '\r') {
      out.back() += c;
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<std::vector<DirectoryEntry>> ParseDirectoryCsv(
    absl::string_view text) {
  std::vector<DirectoryEntry> out;
  std::map<std::string, size_t> col;
  int line_no = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_no;
    if (line.empty() || line[0] == '#' || line == "\r") continue;
    const std::vector<std::string> f = SplitCsv(line);
    if (col.empty()) {
      for (size_t i = 0; i < f.size(); ++i) col[f[i]] = i;
      for (const char* need : {"unit_id", "name", "kind"}) {
        if (!col.count(need)) {
          return absl::InvalidArgumentError(absl::StrCat(
              "directory line ", line_no, ": header lacks ", need));
        }
      }
      continue;
    }
    auto get = [&](const char* name) -> std::string {
      auto it = col.find(name);
      return it == col.end() || it->second >= f.size() ? std::string()
                                                       : f[it->second];
    };
    DirectoryEntry e;
    e.unit_id = get("unit_id");
    if (e.unit_id.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("directory line ", line_no, ": unit_id empty"));
    }
    e.name = get("short_name").empty() ? get("name") : get("short_name");
    const std::string kind = get("kind");
    v1::UnitKind k = v1::UNIT_KIND_UNSPECIFIED;
    if (!v1::UnitKind_Parse(kind, &k) &&
        !v1::UnitKind_Parse(absl::StrCat("UNIT_KIND_", kind), &k)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "directory line ", line_no, ": kind ", kind, " unknown"));
    }
    e.kind = k;
    e.parent_id = get("parent_unit_id");
    out.push_back(std::move(e));
  }
  return out;
}

// ---------------------------------------------------------------- periods

absl::StatusOr<DateRange> ParsePeriod(absl::string_view field,
                                      const v1::Period& p) {
  auto from = calendar::ParseDate(p.from_date());
  if (!from.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ".from_date: not a YYYY-MM-DD date"));
  }
  auto to = calendar::ParseDate(p.to_date());
  if (!to.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ".to_date: not a YYYY-MM-DD date"));
  }
  if (from->year() < 2000 || from->year() > 2099 || to->year() < 2000 ||
      to->year() > 2099) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": dates must be in years 2000–2099"));
  }
  if (*to < *from) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ".to_date: before from_date"));
  }
  if (*to - *from > 3660) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": spans more than 10 years"));
  }
  if (!v1::Granularity_IsValid(p.granularity())) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ".granularity: unknown value"));
  }
  return DateRange{*from, *to};
}

DateRange PreviousRange(const DateRange& r) {
  return DateRange{r.from - r.days(), r.from - 1};
}

std::vector<DateRange> Buckets(const DateRange& r, v1::Granularity g) {
  std::vector<DateRange> out;
  if (g == v1::GRANULARITY_UNSPECIFIED) {
    out.push_back(r);
    return out;
  }
  absl::CivilDay start = r.from;
  while (start <= r.to) {
    absl::CivilDay next;  // first day of the following bucket
    switch (g) {
      case v1::GRANULARITY_DAY:
        next = start + 1;
        break;
      case v1::GRANULARITY_WEEK: {
        const int wd = static_cast<int>(absl::GetWeekday(start));  // Mon = 0
        next = start + (7 - wd);
        break;
      }
      case v1::GRANULARITY_MONTH:
        next = absl::CivilDay(absl::CivilMonth(start) + 1);
        break;
      case v1::GRANULARITY_QUARTER: {
        const int q0 = static_cast<int>((start.month() - 1) / 3) * 3 + 1;
        next = absl::CivilDay(
            absl::CivilMonth(absl::CivilYear(start).year(), q0) + 3);
        break;
      }
      default:
        next = absl::CivilDay(absl::CivilYear(start) + 1);
        break;
    }
    out.push_back(DateRange{start, std::min(next - 1, r.to)});
    start = next;
  }
  return out;
}

MonthSplit SplitMonths(const DateRange& r) {
  MonthSplit out;
  const absl::CivilMonth first_full =
      absl::CivilDay(absl::CivilMonth(r.from)) == r.from
          ? absl::CivilMonth(r.from)
          : absl::CivilMonth(r.from) + 1;
  // The last whole month ends on r.to, or before r.to's month.
  const absl::CivilMonth last_full =
      absl::CivilDay(absl::CivilMonth(r.to) + 1) - 1 == r.to
          ? absl::CivilMonth(r.to)
          : absl::CivilMonth(r.to) - 1;
  if (first_full > last_full) {
    out.days.push_back(r);
    return out;
  }
  out.months = DateRange{absl::CivilDay(first_full), absl::CivilDay(last_full)};
  if (absl::CivilDay(first_full) > r.from) {
    out.days.push_back(DateRange{r.from, absl::CivilDay(first_full) - 1});
  }
  const absl::CivilDay after_last = absl::CivilDay(last_full + 1);
  if (after_last <= r.to) out.days.push_back(DateRange{after_last, r.to});
  return out;
}

DateRange WidenToMonths(const DateRange& r) {
  return DateRange{absl::CivilDay(absl::CivilMonth(r.from)),
                   absl::CivilDay(absl::CivilMonth(r.to) + 1) - 1};
}

std::vector<int> RankOf(const std::vector<RankInput>& sorted) {
  std::vector<int> ranks(sorted.size());
  for (size_t i = 0; i < sorted.size(); ++i) {
    if (i > 0 && std::abs(sorted[i].score - sorted[i - 1].score) < 1e-9) {
      ranks[i] = ranks[i - 1];
    } else {
      ranks[i] = static_cast<int>(i) + 1;
    }
  }
  return ranks;
}

}  // namespace hotline::assessment
