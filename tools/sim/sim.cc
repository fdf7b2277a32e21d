// About 1,400 lines: one seeded month of a district's hotline played step by
// step (calls, dispatch, each unit's habits, replies, reviews, evaluations,
// the ladder), which reads best as one script; the order texts it draws from
// are tools/loadgen/orders.h.

#include "tools/sim/sim.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <queue>
#include <random>
#include <set>
#include <sstream>
#include <thread>
#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/calendar/calendar.h"
#include "common/server/proto_time.h"
#include "common/status/status.h"
#include "hotline/v1/admin.grpc.pb.h"
#include "hotline/v1/assessment.grpc.pb.h"
#include "hotline/v1/deadline.grpc.pb.h"
#include "hotline/v1/intake.grpc.pb.h"
#include "hotline/v1/routing.grpc.pb.h"
#include "tools/loadgen/orders.h"

namespace hotline::sim {
namespace {

absl::TimeZone Cst() { return calendar::ChinaStandardTime(); }

std::string DateOf(absl::CivilDay d) { return absl::FormatCivilTime(d); }

// A stable 32-bit hash of a string (FNV-1a): unit profiles must not depend
// on std::hash.
uint32_t Fnv(const std::string& s) {
  uint32_t h = 2166136261u;
  for (unsigned char c : s) h = (h ^ c) * 16777619u;
  return h;
}

double Uniform(std::mt19937& rng) {
  return std::uniform_real_distribution<double>(0, 1)(rng);
}
int Between(std::mt19937& rng, int lo, int hi) {  // inclusive
  return lo + static_cast<int>(rng() % static_cast<uint32_t>(hi - lo + 1));
}

// How a unit works, drawn once per unit from the seed.
struct Profile {
  const char* kind;             // diligent | ordinary | slack
  double accept_same_day;       // else accepts after 2–3 working days (late)
  double reply_from, reply_to;  // reply at this share of the limit
  double p_late;       // reply 1–4 working days after the due instead
  double p_never;      // no reply at all (open at the end)
  double p_reject;     // its reply fails review once
  double p_satisfied;  // caller satisfied (reached)
  double p_return, p_dispute, p_forward, p_extension;
  double p_co_silent;  // as co-unit: never gives its input
};

Profile DrawProfile(uint32_t seed, const std::string& unit) {
  std::seed_seq seq{seed, Fnv(unit), 77u};
  std::mt19937 rng(seq);
  const double x = Uniform(rng);
  const double j = Uniform(rng) * 0.1;  // jitter: no two units alike
  if (x < 0.35) {
    return {"diligent",  0.97, 0.2,  0.6, 0.02 + j / 4, 0.0, 0.03 + j / 4,
            0.9 + j / 2, 0.02, 0.02, 0.5, 0.05,         0.0};
  }
  if (x < 0.8) {
    return {"ordinary", 0.85, 0.4,  0.95, 0.12 + j, 0.02 + j / 5, 0.1 + j,
            0.72 + j,   0.05, 0.04, 0.5,  0.08,     0.1};
  }
  return {"slack", 0.55, 0.7,  1.0, 0.35 + j * 2, 0.12 + j, 0.2 + j,
          0.5 + j, 0.08, 0.06, 0.4, 0.12,         0.4};
}

enum class Kind {
  kCheckRouted,    // after creation: auto-dispatched or waiting
  kDispatch,       // the center dispatches (first or re-dispatch)
  kRespond,        // the holder accepts / returns / disputes
  kDecideDispute,  // the center decides
  kForward,        // the holder passes it down
  kCoAccept,       // a co-unit acknowledges
  kCoOpinion,      // a co-unit gives its input
  kAskExtension,   // the handler asks for time
  kDecideExtension,
  kReply,
  kReview,
  kEvaluate,
};

struct Task {
  int slot;
  int order;
  int seq;  // creation order: ties broken deterministically
  Kind kind;
  std::string unit;  // the acting unit, where one is needed
  bool operator>(const Task& o) const {
    return std::tie(slot, order, seq) > std::tie(o.slot, o.order, o.seq);
  }
};

struct Order {
  int index = 0;
  std::mt19937 rng;
  v1::CreateTicketRequest request;
  std::string ticket_id;
  int created_slot = 0;
  v1::Assignment a;        // routing's answer to the last action
  std::string handler;     // the unit that will reply
  int handling_start = 0;  // slot of the round's dispatch
  int reply_slot = -1;     // planned reply
  bool never_reply = false;
  bool disputed_this_round = false;
  bool returned_once = false;
  std::string extension_id;
  std::string extension_approver;
  std::string extension_proposed;
  bool approved = false;  // reply approved
  bool evaluated = false;
  // When the ladder may next fire for it (SettleLadder); InfinitePast:
  // changed since the last look.
  absl::Time ladder_watch = absl::InfinitePast();
  std::string last_dispatched;  // first-level units tried
};

class Simulator {
 public:
  explicit Simulator(const Options& o) : o_(o) {}
  absl::StatusOr<Summary> Run();

 private:
  template <typename Stub, typename Req, typename Resp>
  grpc::Status Call(Stub* stub,
                    grpc::Status (Stub::*method)(grpc::ClientContext*,
                                                 const Req&, Resp*),
                    const std::string& token, const Req& req, Resp* resp) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + token);
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(30));
    return (stub->*method)(&ctx, req, resp);
  }

  absl::Status LoadTokens();
  absl::StatusOr<std::string> StaffOf(const std::string& unit);
  absl::StatusOr<std::string> LeadOf(const std::string& unit);
  absl::Status LoadUnits();
  absl::Status LoadCalendar(absl::Time from);
  absl::Status AdvanceTo(absl::Time t);
  absl::Time SlotTime(int slot) const;
  int DayOfSlot(int slot) const { return slot / kSlotsPerDay; }
  std::string NextId() { return absl::StrCat(run_id_, "-", ++request_seq_); }

  void Schedule(Order& o, int slot, Kind kind, const std::string& unit = "");
  void Refused(const Order& o, const char* what, const grpc::Status& s);
  void Note(const Order& o, const std::string& what);
  const Profile& ProfileOf(const std::string& unit);
  std::string FirstLevelOf(const std::string& unit) const;

  // Actions.
  absl::Status Create(int slot, int i);
  absl::Status Execute(const Task& t);
  absl::Status DoDispatch(Order& o, bool first);
  absl::Status DoRespond(Order& o, const std::string& unit);
  void PlanHandling(Order& o, const std::string& handler);
  absl::Status DoReply(Order& o);
  absl::Status DoAskExtension(Order& o);
  absl::Status SuperviseTheChased();

  absl::StatusOr<v1::Assignment> GetAssignment(const std::string& ticket_id);
  absl::Status SettleOrder(const std::string& ticket_id);
  absl::Status Settle();
  absl::Status SettleLadder();

  static constexpr int kSlotsPerDay = 5;  // 09:00 10:30 14:00 15:30 17:00

  Options o_;
  std::string run_id_;
  int request_seq_ = 0;
  int task_seq_ = 0;
  std::string center_, agent_, evaluator_;
  std::map<std::string, std::string> staff_, lead_;
  std::map<std::string, v1::Unit> units_;
  std::map<std::string, std::vector<std::string>> children_;
  std::map<std::string, Profile> profiles_;
  std::vector<absl::CivilDay> working_days_;
  std::unique_ptr<v1::IntakeService::Stub> intake_;
  std::unique_ptr<v1::RoutingService::Stub> routing_;
  std::unique_ptr<v1::DirectoryService::Stub> directory_;
  std::unique_ptr<v1::DeadlineService::Stub> deadline_;
  std::unique_ptr<v1::CalendarService::Stub> calendar_;
  std::unique_ptr<v1::AssessmentService::Stub> assessment_;
  std::vector<std::unique_ptr<v1::ClockAdmin::Stub>> clocks_;
  std::vector<Order> orders_;
  std::priority_queue<Task, std::vector<Task>, std::greater<Task>> tasks_;
  std::set<std::string> touched_;
  std::map<std::string, int> by_ticket_;
  absl::Time now_;
  int slot_ = 0;
  Summary sum_;
};

// ---------------------------------------------------------------- set-up

absl::Status Simulator::LoadTokens() {
  std::ifstream in(o_.tokens_file);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("cannot read tokens file ", o_.tokens_file));
  }
  std::string line;
  while (std::getline(in, line)) {
    line = std::string(absl::StripAsciiWhitespace(line));
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (f.size() < 2) continue;
    const std::string& tok = f[0];
    const std::string& role = f[1];
    if (role == "CENTER_STAFF" && center_.empty()) center_ = tok;
    if (role == "CALL_AGENT" && agent_.empty()) agent_ = tok;
    if (role == "EVALUATOR" && evaluator_.empty()) evaluator_ = tok;
    if (f.size() == 3 && role == "UNIT_STAFF") staff_.emplace(f[2], tok);
    if (f.size() == 3 && role == "UNIT_LEAD") lead_.emplace(f[2], tok);
  }
  const std::pair<const char*, const std::string*> kNeeded[] = {
      {"CENTER_STAFF", &center_},
      {"CALL_AGENT", &agent_},
      {"EVALUATOR", &evaluator_}};
  for (const auto& [name, tok] : kNeeded) {
    if (tok->empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat(o_.tokens_file, " has no ", name, " token"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> Simulator::StaffOf(const std::string& unit) {
  auto it = staff_.find(unit);
  if (it == staff_.end()) {
    return absl::FailedPreconditionError(
        absl::StrCat(o_.tokens_file, " has no UNIT_STAFF token of ", unit,
                     " (hotline-sim --add_unit_tokens writes them)"));
  }
  return it->second;
}

absl::StatusOr<std::string> Simulator::LeadOf(const std::string& unit) {
  auto it = lead_.find(unit);
  if (it == lead_.end()) {
    return absl::FailedPreconditionError(
        absl::StrCat(o_.tokens_file, " has no UNIT_LEAD token of ", unit,
                     " (hotline-sim --add_unit_tokens writes them)"));
  }
  return it->second;
}

absl::Status Simulator::LoadUnits() {
  v1::ListUnitsRequest req;
  req.mutable_page()->set_page_size(500);
  while (true) {
    v1::ListUnitsResponse resp;
    grpc::Status s =
        Call(directory_.get(), &v1::DirectoryService::Stub::ListUnits, center_,
             req, &resp);
    if (!s.ok()) {
      return absl::UnavailableError(
          absl::StrCat("routing ListUnits: ", s.error_message()));
    }
    for (const v1::Unit& u : resp.units()) {
      if (!u.active()) continue;
      units_[u.unit_id()] = u;
      children_[u.parent_unit_id()].push_back(u.unit_id());
    }
    if (resp.page().next_page_token().empty()) break;
    req.mutable_page()->set_page_token(resp.page().next_page_token());
  }
  if (units_.size() < 2) {
    return absl::FailedPreconditionError(
        "the directory is empty: import data/directory/dazu_sample.csv first");
  }
  for (const auto& [id, u] : units_) {
    if (u.kind() == v1::UNIT_KIND_CENTER) continue;
    if (!staff_.count(id) || !lead_.count(id)) {
      return absl::FailedPreconditionError(
          absl::StrCat(o_.tokens_file, " has no UNIT_STAFF/UNIT_LEAD token of ",
                       id, " (hotline-sim --add_unit_tokens writes them)"));
    }
  }
  return absl::OkStatus();
}

absl::Status Simulator::LoadCalendar(absl::Time from) {
  const absl::CivilDay first = absl::ToCivilDay(from, Cst());
  for (int d = 0; d < o_.days; ++d) {
    v1::IsWorkingDayRequest req;
    req.set_date(DateOf(first + d));
    v1::IsWorkingDayResponse resp;
    grpc::Status s =
        Call(calendar_.get(), &v1::CalendarService::Stub::IsWorkingDay, center_,
             req, &resp);
    if (!s.ok()) {
      return absl::UnavailableError(
          absl::StrCat("deadline IsWorkingDay: ", s.error_message()));
    }
    if (resp.working_day()) working_days_.push_back(first + d);
  }
  // The first day only counts when its first step is still ahead.
  if (!working_days_.empty() && working_days_.front() == first &&
      absl::FromCivil(
          absl::CivilMinute(first.year(), first.month(), first.day(), 9, 0),
          Cst()) < from) {
    working_days_.erase(working_days_.begin());
  }
  if (working_days_.empty()) {
    return absl::FailedPreconditionError("no working day in the period");
  }
  return absl::OkStatus();
}

absl::Time Simulator::SlotTime(int slot) const {
  static const int kMinutes[kSlotsPerDay] = {9 * 60, 10 * 60 + 30, 14 * 60,
                                             15 * 60 + 30, 17 * 60};
  const absl::CivilDay d = working_days_[DayOfSlot(slot)];
  const int m = kMinutes[slot % kSlotsPerDay];
  return absl::FromCivil(
      absl::CivilMinute(d.year(), d.month(), d.day(), m / 60, m % 60), Cst());
}

absl::Status Simulator::AdvanceTo(absl::Time t) {
  if (t <= now_) return absl::OkStatus();
  for (auto& stub : clocks_) {
    v1::AdvanceClockRequest req;
    *req.mutable_to() = ToProto(t);
    v1::AdvanceClockResponse resp;
    grpc::Status s = Call(stub.get(), &v1::ClockAdmin::Stub::AdvanceClock,
                          center_, req, &resp);
    if (!s.ok()) {
      return absl::UnavailableError(absl::StrCat(
          "AdvanceClock (the services must run with HOTLINE_CLOCK=manual): ",
          s.error_message()));
    }
  }
  now_ = t;
  return absl::OkStatus();
}

// ---------------------------------------------------------------- helpers

void Simulator::Schedule(Order& o, int slot, Kind kind,
                         const std::string& unit) {
  tasks_.push(Task{std::max(slot, slot_), o.index, ++task_seq_, kind, unit});
}

void Simulator::Refused(const Order& o, const char* what,
                        const grpc::Status& s) {
  ++sum_.refused;
  if (o_.log != nullptr) {
    *o_.log << "  refused: " << what << " " << o.a.ticket_number() << " ("
            << o.ticket_id << "): " << s.error_message() << "\n";
  }
}

void Simulator::Note(const Order& o, const std::string& what) {
  if (o_.verbose && o_.log != nullptr) {
    *o_.log << "  " << absl::FormatTime("%m-%d %H:%M", now_, Cst()) << " "
            << o.a.ticket_number() << " " << what << "\n";
  }
}

const Profile& Simulator::ProfileOf(const std::string& unit) {
  auto it = profiles_.find(unit);
  if (it == profiles_.end()) {
    it = profiles_.emplace(unit, DrawProfile(o_.seed, unit)).first;
  }
  return it->second;
}

std::string Simulator::FirstLevelOf(const std::string& unit) const {
  std::string u = unit;
  while (true) {
    auto it = units_.find(u);
    if (it == units_.end()) return unit;
    const std::string& parent = it->second.parent_unit_id();
    auto p = units_.find(parent);
    if (p == units_.end() || p->second.kind() == v1::UNIT_KIND_CENTER) {
      return u;
    }
    u = parent;
  }
}

absl::StatusOr<v1::Assignment> Simulator::GetAssignment(
    const std::string& ticket_id) {
  v1::GetAssignmentRequest req;
  req.set_ticket_id(ticket_id);
  v1::GetAssignmentResponse resp;
  grpc::Status s =
      Call(routing_.get(), &v1::RoutingService::Stub::GetAssignment, center_,
           req, &resp);
  if (!s.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                        s.error_message());
  }
  return resp.assignment();
}

// ---------------------------------------------------------------- settling

// The pipeline has settled for one order when every service that follows
// routing has caught up with routing's latest event of it: intake shows
// routing's status, assessment holds that event as a fact, and deadline runs
// clocks of the current round. Events reach each subscriber in outbox order,
// so this also covers every earlier event.
absl::Status Simulator::SettleOrder(const std::string& ticket_id) {
  const absl::Time give_up = absl::Now() + o_.settle_timeout;
  std::string why;
  while (true) {
    why.clear();
    absl::StatusOr<v1::Assignment> a = GetAssignment(ticket_id);
    if (!a.ok()) {
      why =
          absl::StrCat("routing has not got the order: ", a.status().message());
    } else {
      v1::GetAssignmentHistoryRequest hreq;
      hreq.set_ticket_id(ticket_id);
      v1::GetAssignmentHistoryResponse hist;
      grpc::Status s =
          Call(routing_.get(), &v1::RoutingService::Stub::GetAssignmentHistory,
               center_, hreq, &hist);
      v1::GetTicketRequest treq;
      treq.set_ticket_id(ticket_id);
      v1::GetTicketResponse ticket;
      grpc::Status ts = Call(intake_.get(), &v1::IntakeService::Stub::GetTicket,
                             center_, treq, &ticket);
      if (!s.ok()) {
        why = absl::StrCat("routing history: ", s.error_message());
      } else if (!ts.ok()) {
        why = absl::StrCat("intake: ", ts.error_message());
      } else if (ticket.ticket().status() != a->status() &&
                 ticket.ticket().status() < v1::TICKET_STATUS_EVALUATED) {
        why = absl::StrCat("intake shows ",
                           v1::TicketStatus_Name(ticket.ticket().status()),
                           ", routing ", v1::TicketStatus_Name(a->status()));
      } else if (hist.events_size() > 0) {
        const std::string& last =
            hist.events(hist.events_size() - 1).event_id();
        v1::ListFactsRequest freq;
        freq.set_ticket_id(ticket_id);
        freq.add_producers("routing");
        freq.mutable_page()->set_page_size(500);
        v1::ListFactsResponse facts;
        grpc::Status fs =
            Call(assessment_.get(), &v1::AssessmentService::Stub::ListFacts,
                 center_, freq, &facts);
        bool found = false;
        for (const auto& f : facts.facts()) {
          if (f.event().event_id() == last) found = true;
        }
        if (!fs.ok()) {
          why = absl::StrCat("assessment: ", fs.error_message());
        } else if (!found) {
          why = "assessment lacks routing's latest event";
        } else if (a->dispatch_round() > 0) {
          v1::GetClocksRequest creq;
          creq.set_ticket_id(ticket_id);
          v1::GetClocksResponse clocks;
          grpc::Status cs =
              Call(deadline_.get(), &v1::DeadlineService::Stub::GetClocks,
                   center_, creq, &clocks);
          int round = 0;
          for (const auto& c : clocks.clocks()) {
            round = std::max(round, c.dispatch_round());
          }
          if (!cs.ok() || round < a->dispatch_round()) {
            why = absl::StrCat("deadline has not started round ",
                               a->dispatch_round());
          }
        }
      }
    }
    if (why.empty()) return absl::OkStatus();
    if (absl::Now() > give_up) {
      return absl::DeadlineExceededError(absl::StrCat(
          "the pipeline did not settle for order ", ticket_id, " within ",
          absl::FormatDuration(o_.settle_timeout), ": ", why));
    }
    // Waiting for event delivery between processes, not for simulated time.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

absl::Status Simulator::Settle() {
  for (const std::string& id : touched_) {
    absl::Status s = SettleOrder(id);
    if (!s.ok()) return s;
    orders_[by_ticket_[id]].ladder_watch = absl::InfinitePast();
  }
  touched_.clear();
  return absl::OkStatus();
}

// Every running clock past its due (and not waiting for the center) has had
// its ladder step fired, after every move of the clocks: the scanner fires
// asynchronously, and an answer racing it would make the chase differ between
// runs. Only orders that changed, or whose next due has come, are looked at.
absl::Status Simulator::SettleLadder() {
  const absl::Time give_up = absl::Now() + o_.settle_timeout;
  for (Order& o : orders_) {
    if (o.ticket_id.empty() || o.approved || o.ladder_watch > now_) continue;
    while (true) {
      v1::GetClocksRequest req;
      req.set_ticket_id(o.ticket_id);
      v1::GetClocksResponse resp;
      grpc::Status s =
          Call(deadline_.get(), &v1::DeadlineService::Stub::GetClocks, center_,
               req, &resp);
      bool pending = false;
      absl::Time next = absl::InfiniteFuture();
      if (s.ok()) {
        for (const v1::Clock& c : resp.clocks()) {
          if (c.state() != v1::CLOCK_STATE_RUNNING || !c.has_due() ||
              c.has_pending_since() ||
              c.ladder_step() != v1::LADDER_STEP_UNSPECIFIED ||
              c.kind() == v1::CLOCK_KIND_FORWARD ||
              c.kind() == v1::CLOCK_KIND_RETURN) {
            continue;
          }
          if (FromProto(c.due()) <= now_) {
            pending = true;
          } else {
            next = std::min(next, FromProto(c.due()));
          }
        }
      } else if (s.error_code() != grpc::StatusCode::NOT_FOUND) {
        pending = true;
      }
      if (!pending) {
        o.ladder_watch = next;
        break;
      }
      if (absl::Now() > give_up) {
        // Reported, not fatal: the month goes on; only the counts of the
        // ladder may then differ between runs.
        ++sum_.refused;
        if (o_.log != nullptr) {
          *o_.log << "  warning: the deadline ladder has not fired for "
                  << o.ticket_id << " within "
                  << absl::FormatDuration(o_.settle_timeout) << "\n";
        }
        o.ladder_watch = absl::InfiniteFuture();
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------- actions

absl::Status Simulator::Create(int slot, int i) {
  Order o;
  o.index = static_cast<int>(orders_.size());
  std::seed_seq seq{o_.seed, static_cast<uint32_t>(i), 4242u};
  o.rng.seed(seq);
  o.request = loadgen::MakeOrder(run_id_, i, o_.seed);
  // Every request type of the regulation appears; praise comes by letter
  // or online, and a share of complaints and help requests are urgent.
  const double r = Uniform(o.rng);
  if (r < 0.03) {
    o.request.set_request_type(v1::REQUEST_TYPE_PRAISE);
    o.request.set_title("表扬工作人员");
    o.request.set_content(absl::StrCat(
        o.request.content(), "来电人对相关单位工作人员的热情服务表示感谢。"));
  } else if (r < 0.08 &&
             o.request.request_type() != v1::REQUEST_TYPE_CONSULTATION) {
    o.request.set_urgency(v1::URGENCY_URGENT);
  }
  if (o.request.request_type() == v1::REQUEST_TYPE_COMPLAINT &&
      Uniform(o.rng) < 0.1) {
    o.request.set_confidential(true);
  }
  o.request.mutable_location()->set_address(absl::StrCat(
      "大足区",
      o.request.location().town_code() == "town.longshui" ? "龙水镇" : "",
      "某路", Between(o.rng, 1, 300), "号"));
  o.created_slot = slot;
  v1::CreateTicketResponse resp;
  grpc::Status s = Call(intake_.get(), &v1::IntakeService::Stub::CreateTicket,
                        agent_, o.request, &resp);
  if (!s.ok()) {
    return absl::UnavailableError(
        absl::StrCat("intake CreateTicket: ", s.error_message()));
  }
  o.ticket_id = resp.ticket().ticket_id();
  by_ticket_[o.ticket_id] = o.index;
  o.a.set_ticket_number(resp.ticket().ticket_number());
  ++sum_.orders;
  orders_.push_back(std::move(o));
  Order& stored = orders_.back();
  Note(stored, absl::StrCat("created ", stored.request.category_code(), " ",
                            stored.request.location().town_code()));
  touched_.insert(stored.ticket_id);
  Schedule(stored, slot + 1, Kind::kCheckRouted);
  return absl::OkStatus();
}

absl::Status Simulator::DoDispatch(Order& o, bool first) {
  v1::DispatchRequest req;
  req.set_request_id(NextId());
  req.set_ticket_id(o.ticket_id);
  std::string unit;
  std::vector<std::string> co;
  if (first) {
    v1::SuggestDispatchRequest sreq;
    sreq.set_ticket_id(o.ticket_id);
    v1::SuggestDispatchResponse sresp;
    grpc::Status s =
        Call(routing_.get(), &v1::RoutingService::Stub::SuggestDispatch,
             center_, sreq, &sresp);
    if (s.ok() && sresp.suggestion().candidates_size() > 0) {
      const auto& c = sresp.suggestion().candidates(0);
      unit = c.unit_id();
      co.assign(c.co_unit_ids().begin(), c.co_unit_ids().end());
      req.set_rule_id(c.rule_id());
    }
  }
  if (unit.empty()) {
    // The department of the matter, or — when that one sent it back — the
    // town where it happened.
    std::string dept = "dept.urban";
    for (const auto& r : loadgen::OrderCategories()) {
      if (o.request.category_code() == r.category) dept = r.unit_id;
    }
    const std::string town = o.request.location().town_code();
    unit = o.last_dispatched == dept && units_.count(town) ? town : dept;
    if (!first) req.set_reason("原承办单位认为不属其职责，中心改派");
  }
  // Now and then the center names a co-unit of its own.
  if (co.empty() && Uniform(o.rng) < 0.1) {
    const std::string town = o.request.location().town_code();
    if (unit != town && units_.count(town)) co.push_back(town);
  }
  req.set_unit_id(unit);
  for (const auto& c : co) req.add_co_unit_ids(c);
  req.set_note("请按时办理并答复来电人");
  v1::DispatchResponse resp;
  grpc::Status s = Call(routing_.get(), &v1::RoutingService::Stub::Dispatch,
                        center_, req, &resp);
  if (!s.ok()) {
    Refused(o, "dispatch", s);
    return absl::OkStatus();
  }
  o.a = resp.assignment();
  o.last_dispatched = unit;
  o.disputed_this_round = false;
  touched_.insert(o.ticket_id);
  if (first) {
    ++sum_.dispatched_manual;
  } else {
    ++sum_.redispatched;
  }
  if (!co.empty()) ++sum_.with_co_units;
  Note(o, absl::StrCat("dispatched to ", unit));
  o.handling_start = slot_;
  Schedule(o, slot_ + Between(o.rng, 0, 1), Kind::kRespond, unit);
  for (const auto& c : co) {
    const Profile& p = ProfileOf(c);
    Schedule(o, slot_ + Between(o.rng, 0, 3), Kind::kCoAccept, c);
    if (Uniform(o.rng) >= p.p_co_silent) {
      Schedule(o, slot_ + Between(o.rng, 3, 12), Kind::kCoOpinion, c);
    }
  }
  return absl::OkStatus();
}

absl::Status Simulator::DoRespond(Order& o, const std::string& unit) {
  const Profile& p = ProfileOf(unit);
  ASSIGN_OR_RETURN(const std::string token, StaffOf(unit));
  const bool first_level = FirstLevelOf(unit) == unit;
  const bool from_center = o.a.holder_unit_id() == unit &&
                           o.a.status() == v1::TICKET_STATUS_DISPATCHED;
  const double r = Uniform(o.rng);
  if (first_level && from_center && !o.disputed_this_round &&
      !o.returned_once && r < p.p_dispute) {
    v1::DisputeRequest req;
    req.set_request_id(NextId());
    req.set_ticket_id(o.ticket_id);
    req.set_reason("该事项不属本单位职责范围，建议改派相关单位");
    v1::DisputeResponse resp;
    grpc::Status s = Call(routing_.get(), &v1::RoutingService::Stub::Dispute,
                          token, req, &resp);
    if (!s.ok()) {
      Refused(o, "dispute", s);
      return absl::OkStatus();
    }
    o.a = resp.assignment();
    o.disputed_this_round = true;
    ++sum_.disputed;
    touched_.insert(o.ticket_id);
    Note(o, absl::StrCat(unit, " disputes"));
    Schedule(o, slot_ + Between(o.rng, 1, 3), Kind::kDecideDispute);
    return absl::OkStatus();
  }
  if (!o.returned_once && r < p.p_dispute + p.p_return &&
      o.a.status() != v1::TICKET_STATUS_RETURNED) {
    v1::ReturnRequest req;
    req.set_request_id(NextId());
    req.set_ticket_id(o.ticket_id);
    req.set_reason("经核实，该事项不在本单位辖区或职责范围内，予以退回");
    v1::ReturnResponse resp;
    grpc::Status s = Call(routing_.get(), &v1::RoutingService::Stub::Return,
                          token, req, &resp);
    if (!s.ok()) {
      Refused(o, "return", s);
      return absl::OkStatus();
    }
    o.a = resp.assignment();
    o.returned_once = true;
    ++sum_.returned;
    touched_.insert(o.ticket_id);
    Note(o, absl::StrCat(unit, " returns it"));
    if (first_level) {
      Schedule(o, slot_ + Between(o.rng, 1, 2), Kind::kDispatch);
    } else {
      // The level above takes it back and handles it itself.
      Schedule(o, slot_ + Between(o.rng, 0, 2), Kind::kRespond,
               o.a.holder_unit_id());
    }
    return absl::OkStatus();
  }
  v1::AcceptRequest req;
  req.set_request_id(NextId());
  req.set_ticket_id(o.ticket_id);
  v1::AcceptResponse resp;
  grpc::Status s = Call(routing_.get(), &v1::RoutingService::Stub::Accept,
                        token, req, &resp);
  if (!s.ok()) {
    Refused(o, "accept", s);
    return absl::OkStatus();
  }
  o.a = resp.assignment();
  ++sum_.accepted;
  touched_.insert(o.ticket_id);
  Note(o, absl::StrCat(unit, " accepts"));
  const auto kids = children_.find(unit);
  if (!o.returned_once && kids != children_.end() && !kids->second.empty() &&
      Uniform(o.rng) < p.p_forward) {
    const std::string& to =
        kids->second[o.rng() % static_cast<uint32_t>(kids->second.size())];
    Schedule(o, slot_ + Between(o.rng, 0, 1), Kind::kForward, to);
    return absl::OkStatus();
  }
  PlanHandling(o, unit);
  return absl::OkStatus();
}

// The handler's plan: when it replies (or that it never does), and whether
// it asks for more time first. Limits: 3 working days for a consultation,
// 10 otherwise (docs/clocks.md), counted from the round's dispatch.
void Simulator::PlanHandling(Order& o, const std::string& handler) {
  const Profile& p = ProfileOf(handler);
  o.handler = handler;
  const int limit_days =
      o.request.request_type() == v1::REQUEST_TYPE_CONSULTATION ? 3 : 10;
  const int start_day = DayOfSlot(o.handling_start);
  int days;
  if (Uniform(o.rng) < p.p_never) {
    o.never_reply = true;
    Note(o, absl::StrCat(handler, " will not answer"));
    return;
  }
  const bool ask_more_time = limit_days == 10 && Uniform(o.rng) < p.p_extension;
  if (ask_more_time) {
    days = limit_days + Between(o.rng, 2, 5);
    Schedule(o,
             (start_day + Between(o.rng, 3, 5)) * kSlotsPerDay +
                 Between(o.rng, 0, kSlotsPerDay - 1),
             Kind::kAskExtension, handler);
  } else if (Uniform(o.rng) < p.p_late) {
    days = limit_days + Between(o.rng, 1, 4);
  } else {
    const int lo = std::max(0, static_cast<int>(p.reply_from * limit_days));
    const int hi = std::max(
        lo, std::min(limit_days, static_cast<int>(p.reply_to * limit_days)));
    days = Between(o.rng, lo, hi);
  }
  o.reply_slot = std::max(slot_ + 1, (start_day + days) * kSlotsPerDay +
                                         Between(o.rng, 0, kSlotsPerDay - 1));
  Schedule(o, o.reply_slot, Kind::kReply, handler);
}

absl::Status Simulator::DoAskExtension(Order& o) {
  ASSIGN_OR_RETURN(const std::string token, StaffOf(o.handler));
  ASSIGN_OR_RETURN(v1::Assignment a, GetAssignment(o.ticket_id));
  if (!a.has_handling_due()) return absl::OkStatus();
  const absl::CivilDay last =
      absl::ToCivilDay(FromProto(a.handling_due()) - absl::Seconds(1), Cst());
  v1::RequestExtensionRequest req;
  req.set_request_id(NextId());
  req.set_ticket_id(o.ticket_id);
  req.set_reason("需协调相关部门现场处置并筹措资金，无法按期办结");
  o.extension_proposed = DateOf(last + Between(o.rng, 7, 10));
  req.set_proposed_due_date(o.extension_proposed);
  req.set_progress_note("已现场查看，正在协调相关单位处理。");
  v1::RequestExtensionResponse resp;
  grpc::Status s =
      Call(deadline_.get(), &v1::DeadlineService::Stub::RequestExtension, token,
           req, &resp);
  ++sum_.extensions_requested;
  if (!s.ok()) {
    if (s.error_code() == grpc::StatusCode::FAILED_PRECONDITION) {
      ++sum_.extensions_refused_too_late;
    }
    Refused(o, "extension request", s);
    return absl::OkStatus();
  }
  o.extension_id = resp.extension().extension_id();
  o.extension_approver = resp.extension().approver_unit_id();
  Note(o,
       absl::StrCat(o.handler, " asks for time until ", o.extension_proposed));
  Schedule(o, slot_ + Between(o.rng, 1, 4), Kind::kDecideExtension);
  return absl::OkStatus();
}

absl::Status Simulator::DoReply(Order& o) {
  if (o.approved) return absl::OkStatus();
  ASSIGN_OR_RETURN(const std::string token, StaffOf(o.handler));
  ASSIGN_OR_RETURN(v1::Assignment a, GetAssignment(o.ticket_id));
  // A co-unit that never gave its input is released by the center so that
  // the lead unit can answer.
  for (const auto& c : a.co_units()) {
    if (c.opinion_submitted() || c.released()) continue;
    v1::ReleaseCoUnitRequest req;
    req.set_request_id(NextId());
    req.set_ticket_id(o.ticket_id);
    req.set_co_unit_id(c.unit_id());
    req.set_reason("协办单位逾期未提出意见，由牵头单位答复");
    v1::ReleaseCoUnitResponse resp;
    grpc::Status s =
        Call(routing_.get(), &v1::RoutingService::Stub::ReleaseCoUnit, center_,
             req, &resp);
    if (!s.ok()) {
      Refused(o, "release co-unit", s);
    } else {
      ++sum_.co_units_released;
    }
  }
  const bool via_center =
      a.confidential() || a.request_type() == v1::REQUEST_TYPE_REPORT;
  v1::ReplyRequest req;
  req.set_request_id(NextId());
  req.set_ticket_id(o.ticket_id);
  req.set_text(
      a.rehandling_round() > 0
          ? "经重新核查并现场处理，问题已解决，已向来电人说明处理结果。"
          : "经核实，已安排工作人员现场处理，并已将处理情况告知来电人。");
  static const v1::ReplyContact kContacts[] = {
      v1::REPLY_CONTACT_PHONE, v1::REPLY_CONTACT_PHONE, v1::REPLY_CONTACT_SMS,
      v1::REPLY_CONTACT_VISIT};
  req.set_contact(via_center ? v1::REPLY_CONTACT_VIA_CENTER
                             : kContacts[o.rng() % 4]);
  *req.mutable_contacted_at() = ToProto(now_ - absl::Minutes(20));
  req.mutable_checks()->set_policy_checked(true);
  req.mutable_checks()->set_confidentiality_checked(true);
  req.mutable_checks()->set_source_checked(true);
  req.mutable_checks()->set_wording_checked(true);
  req.set_resolved(true);
  v1::ReplyResponse resp;
  grpc::Status s =
      Call(routing_.get(), &v1::RoutingService::Stub::Reply, token, req, &resp);
  if (!s.ok()) {
    Refused(o, "reply", s);
    return absl::OkStatus();
  }
  if (a.has_handling_due() && now_ >= FromProto(a.handling_due())) {
    ++sum_.replies_late;
  }
  o.a = resp.assignment();
  ++sum_.replies;
  touched_.insert(o.ticket_id);
  Note(o, absl::StrCat(o.handler, " replies"));
  Schedule(o, slot_ + Between(o.rng, 1, 3), Kind::kReview);
  return absl::OkStatus();
}

absl::Status Simulator::Execute(const Task& t) {
  Order& o = orders_[t.order];
  switch (t.kind) {
    case Kind::kCheckRouted: {
      absl::StatusOr<v1::Assignment> a = GetAssignment(o.ticket_id);
      if (!a.ok()) return a.status();
      o.a = *a;
      touched_.insert(o.ticket_id);
      if (a->status() == v1::TICKET_STATUS_DISPATCHED) {
        ++sum_.dispatched_auto;
        o.last_dispatched = a->dispatched_unit_id();
        o.handling_start = o.created_slot;
        Note(o, absl::StrCat("dispatched by the catalogue to ",
                             a->dispatched_unit_id()));
        Schedule(o, slot_ + Between(o.rng, 0, 1), Kind::kRespond,
                 a->holder_unit_id());
        for (const auto& c : a->co_units()) {
          Schedule(o, slot_ + Between(o.rng, 0, 3), Kind::kCoAccept,
                   c.unit_id());
          if (Uniform(o.rng) >= ProfileOf(c.unit_id()).p_co_silent) {
            Schedule(o, slot_ + Between(o.rng, 3, 12), Kind::kCoOpinion,
                     c.unit_id());
          }
        }
      } else if (a->status() == v1::TICKET_STATUS_RECEIVED) {
        Schedule(o, slot_ + Between(o.rng, 0, 2), Kind::kDispatch);
      }
      return absl::OkStatus();
    }
    case Kind::kDispatch:
      return DoDispatch(o, o.a.dispatch_round() == 0);
    case Kind::kRespond: {
      // A late unit answers after two or three working days: its response
      // clock (1 working day) has run out and the ladder has chased it.
      std::string unit = t.unit;
      if (absl::StartsWith(unit, "late:")) {
        unit = unit.substr(5);
      } else if (Uniform(o.rng) >= ProfileOf(unit).accept_same_day) {
        tasks_.push(Task{slot_ + Between(o.rng, 2, 3) * kSlotsPerDay, o.index,
                         ++task_seq_, Kind::kRespond, "late:" + unit});
        return absl::OkStatus();
      }
      return DoRespond(o, unit);
    }
    case Kind::kDecideDispute: {
      const bool upheld = Uniform(o.rng) < 0.5;
      v1::DecideDisputeRequest req;
      req.set_request_id(NextId());
      req.set_ticket_id(o.ticket_id);
      req.set_dispute_id(o.a.open_dispute().dispute_id());
      req.set_outcome(upheld ? v1::DISPUTE_OUTCOME_DISPATCH_UPHELD
                             : v1::DISPUTE_OUTCOME_DISPUTE_GRANTED);
      req.set_reason(upheld ? "经核查属该单位职责，维持原派单"
                            : "异议成立，由中心改派");
      v1::DecideDisputeResponse resp;
      grpc::Status s =
          Call(routing_.get(), &v1::RoutingService::Stub::DecideDispute,
               center_, req, &resp);
      if (!s.ok()) {
        Refused(o, "decide dispute", s);
        return absl::OkStatus();
      }
      const std::string disputing = o.a.holder_unit_id();
      o.a = resp.assignment();
      touched_.insert(o.ticket_id);
      if (upheld) {
        Note(o, "dispute upheld");
        PlanHandling(o, disputing);
      } else {
        ++sum_.disputes_granted;
        Note(o, "dispute granted");
        Schedule(o, slot_ + Between(o.rng, 0, 2), Kind::kDispatch);
      }
      return absl::OkStatus();
    }
    case Kind::kForward: {
      ASSIGN_OR_RETURN(const std::string token, StaffOf(o.a.holder_unit_id()));
      v1::ForwardRequest req;
      req.set_request_id(NextId());
      req.set_ticket_id(o.ticket_id);
      req.set_to_unit_id(t.unit);
      req.set_note("请具体承办并直接答复来电人");
      v1::ForwardResponse resp;
      grpc::Status s = Call(routing_.get(), &v1::RoutingService::Stub::Forward,
                            token, req, &resp);
      if (!s.ok()) {
        Refused(o, "forward", s);
        PlanHandling(o, o.a.holder_unit_id());
        return absl::OkStatus();
      }
      o.a = resp.assignment();
      ++sum_.forwarded;
      touched_.insert(o.ticket_id);
      Note(o, absl::StrCat("forwarded to ", t.unit));
      Schedule(o, slot_ + Between(o.rng, 0, 1), Kind::kRespond, t.unit);
      return absl::OkStatus();
    }
    case Kind::kCoAccept:
    case Kind::kCoOpinion: {
      if (o.approved || o.a.status() >= v1::TICKET_STATUS_REPLIED) {
        return absl::OkStatus();
      }
      ASSIGN_OR_RETURN(const std::string token, StaffOf(t.unit));
      grpc::Status s;
      if (t.kind == Kind::kCoAccept) {
        v1::AcceptRequest req;
        req.set_request_id(NextId());
        req.set_ticket_id(o.ticket_id);
        v1::AcceptResponse resp;
        s = Call(routing_.get(), &v1::RoutingService::Stub::Accept, token, req,
                 &resp);
      } else {
        v1::SubmitCoOpinionRequest req;
        req.set_request_id(NextId());
        req.set_ticket_id(o.ticket_id);
        req.set_opinion("本单位已配合现场核查，建议牵头单位按相关规定处理。");
        v1::SubmitCoOpinionResponse resp;
        s = Call(routing_.get(), &v1::RoutingService::Stub::SubmitCoOpinion,
                 token, req, &resp);
        if (s.ok()) ++sum_.co_opinions;
      }
      if (!s.ok()) {
        Refused(o, t.kind == Kind::kCoAccept ? "co-unit accept" : "co-opinion",
                s);
      } else {
        touched_.insert(o.ticket_id);
      }
      return absl::OkStatus();
    }
    case Kind::kAskExtension:
      if (o.approved || o.a.status() >= v1::TICKET_STATUS_REPLIED) {
        return absl::OkStatus();
      }
      return DoAskExtension(o);
    case Kind::kDecideExtension: {
      std::string token = center_;
      if (units_.count(o.extension_approver) &&
          units_[o.extension_approver].kind() != v1::UNIT_KIND_CENTER) {
        ASSIGN_OR_RETURN(token, LeadOf(o.extension_approver));
      }
      const bool approve = Uniform(o.rng) < 0.7;
      v1::DecideExtensionRequest req;
      req.set_request_id(NextId());
      req.set_extension_id(o.extension_id);
      req.set_approve(approve);
      if (approve) req.set_approved_due_date(o.extension_proposed);
      req.set_reason(approve ? "情况属实，同意延期"
                             : "理由不充分，不同意延期，请按期办结");
      v1::DecideExtensionResponse resp;
      grpc::Status s =
          Call(deadline_.get(), &v1::DeadlineService::Stub::DecideExtension,
               token, req, &resp);
      if (!s.ok()) {
        Refused(o, "extension decision", s);
        return absl::OkStatus();
      }
      Note(o, approve ? "extension approved" : "extension rejected");
      if (approve) {
        ++sum_.extensions_approved;
      } else {
        ++sum_.extensions_rejected;
      }
      return absl::OkStatus();
    }
    case Kind::kReply:
      if (o.never_reply) return absl::OkStatus();
      return DoReply(o);
    case Kind::kReview: {
      const bool reject = o.a.rehandling_round() == 0 &&
                          Uniform(o.rng) < ProfileOf(o.handler).p_reject;
      v1::ReviewRequest req;
      req.set_request_id(NextId());
      req.set_ticket_id(o.ticket_id);
      req.set_reply_id(o.a.latest_reply().reply_id());
      req.set_approve(!reject);
      if (reject) {
        req.add_reasons(v1::REVIEW_REASON_NOT_RESOLVED);
        req.set_comment("答复未解决来电人诉求，请重新办理");
      } else {
        req.set_comment("答复规范，同意办结");
      }
      v1::ReviewResponse resp;
      grpc::Status s = Call(routing_.get(), &v1::RoutingService::Stub::Review,
                            center_, req, &resp);
      if (!s.ok()) {
        Refused(o, "review", s);
        return absl::OkStatus();
      }
      o.a = resp.assignment();
      touched_.insert(o.ticket_id);
      if (reject) {
        ++sum_.reviews_rejected;
        Note(o, "reply rejected: re-handling");
        Schedule(o, slot_ + Between(o.rng, 3, 14), Kind::kReply, o.handler);
      } else {
        ++sum_.reviews_approved;
        o.approved = true;
        Note(o, "reply approved");
        Schedule(o, slot_ + Between(o.rng, 2, 8), Kind::kEvaluate);
      }
      return absl::OkStatus();
    }
    case Kind::kEvaluate: {
      const Profile& p = ProfileOf(o.handler);
      const bool reached = Uniform(o.rng) < 0.85;
      const double x = Uniform(o.rng);
      v1::RecordEvaluationRequest req;
      req.set_request_id(NextId());
      req.set_ticket_id(o.ticket_id);
      req.set_callback(reached ? v1::CALLBACK_OUTCOME_REACHED
                               : v1::CALLBACK_OUTCOME_NOT_REACHED);
      if (reached) {
        const v1::Satisfaction sat =
            x < p.p_satisfied ? v1::SATISFACTION_SATISFIED
            : x < p.p_satisfied + (1 - p.p_satisfied) / 2
                ? v1::SATISFACTION_BASICALLY_SATISFIED
                : v1::SATISFACTION_DISSATISFIED;
        req.set_satisfaction(sat);
        req.set_resolved(sat != v1::SATISFACTION_DISSATISFIED);
        req.set_comment(sat == v1::SATISFACTION_DISSATISFIED
                            ? "回访：来电人表示问题未解决"
                            : "回访：来电人表示认可");
        if (sat == v1::SATISFACTION_DISSATISFIED) ++sum_.dissatisfied;
      } else {
        req.set_comment("回访：三次拨打均无人接听");
        ++sum_.evaluations_not_reached;
      }
      *req.mutable_evaluated_at() = ToProto(now_);
      v1::RecordEvaluationResponse resp;
      grpc::Status s = Call(assessment_.get(),
                            &v1::AssessmentService::Stub::RecordEvaluation,
                            evaluator_, req, &resp);
      if (!s.ok()) {
        Refused(o, "evaluation", s);
        return absl::OkStatus();
      }
      ++sum_.evaluations;
      o.evaluated = true;
      Note(o, reached ? "evaluated" : "caller not reached");
      return absl::OkStatus();
    }
  }
  return absl::OkStatus();
}

// The center opens a special inspection (专项督查) of the orders chased
// twice and still open, naming their units.
absl::Status Simulator::SuperviseTheChased() {
  v1::ListEscalationCandidatesRequest req;
  req.set_step(v1::LADDER_STEP_SPECIAL_INSPECTION);
  req.mutable_page()->set_page_size(20);
  v1::ListEscalationCandidatesResponse resp;
  grpc::Status s = Call(deadline_.get(),
                        &v1::DeadlineService::Stub::ListEscalationCandidates,
                        center_, req, &resp);
  if (!s.ok()) {
    return absl::UnavailableError(
        absl::StrCat("deadline ListEscalationCandidates: ", s.error_message()));
  }
  v1::RecordSupervisionActRequest act;
  act.set_request_id(NextId());
  act.set_step(v1::LADDER_STEP_SPECIAL_INSPECTION);
  std::set<std::string> units;
  for (const auto& c : resp.candidates()) {
    if (act.ticket_ids_size() >= 5) break;
    if (c.act_ids_size() > 0 || c.unit_ids_size() == 0) continue;
    act.add_ticket_ids(c.ticket_id());
    units.insert(c.unit_ids().begin(), c.unit_ids().end());
  }
  if (act.ticket_ids_size() == 0) return absl::OkStatus();
  for (const auto& u : units) {
    if (act.unit_ids_size() < 50) act.add_unit_ids(u);
  }
  act.set_text(
      "经区政府办公室会同区政务服务管理办公室专项督查，上述工单经两次督办"
      "仍未办结，请相关单位立即办理并书面说明原因。");
  act.add_district_office_participants("区政府办公室督查科（示例）");
  v1::RecordSupervisionActResponse done;
  s = Call(deadline_.get(), &v1::DeadlineService::Stub::RecordSupervisionAct,
           center_, act, &done);
  if (!s.ok()) {
    ++sum_.refused;
    if (o_.log != nullptr) {
      *o_.log << "  refused: special inspection: " << s.error_message() << "\n";
    }
    return absl::OkStatus();
  }
  ++sum_.supervision_acts;
  return absl::OkStatus();
}

absl::StatusOr<Summary> Simulator::Run() {
  RETURN_IF_ERROR(LoadTokens());
  auto creds = o_.credentials != nullptr ? o_.credentials
                                         : grpc::InsecureChannelCredentials();
  auto ch = [&](const std::string& a) { return grpc::CreateChannel(a, creds); };
  intake_ = v1::IntakeService::NewStub(ch(o_.intake));
  routing_ = v1::RoutingService::NewStub(ch(o_.routing));
  directory_ = v1::DirectoryService::NewStub(ch(o_.routing));
  deadline_ = v1::DeadlineService::NewStub(ch(o_.deadline));
  calendar_ = v1::CalendarService::NewStub(ch(o_.deadline));
  assessment_ = v1::AssessmentService::NewStub(ch(o_.assessment));
  for (const auto* a :
       {&o_.intake, &o_.routing, &o_.deadline, &o_.assessment}) {
    clocks_.push_back(v1::ClockAdmin::NewStub(ch(*a)));
  }
  // All four clocks start where the furthest one is.
  now_ = absl::InfinitePast();
  absl::Time latest = absl::InfinitePast();
  for (auto& stub : clocks_) {
    v1::GetTimeRequest req;
    v1::GetTimeResponse resp;
    grpc::Status s =
        Call(stub.get(), &v1::ClockAdmin::Stub::GetTime, center_, req, &resp);
    if (!s.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat("ClockAdmin.GetTime (start the services with "
                       "HOTLINE_CLOCK=manual): ",
                       s.error_message()));
    }
    latest = std::max(latest, FromProto(resp.now()));
  }
  RETURN_IF_ERROR(AdvanceTo(latest));
  run_id_ = o_.run_id.empty() ? absl::StrCat("sim", o_.seed, "-",
                                             absl::ToUnixSeconds(absl::Now()))
                              : o_.run_id;
  RETURN_IF_ERROR(LoadUnits());
  RETURN_IF_ERROR(LoadCalendar(now_));
  if (o_.log != nullptr) {
    std::map<std::string, std::vector<std::string>> kinds;
    for (const auto& [id, u] : units_) {
      if (u.kind() != v1::UNIT_KIND_CENTER) {
        kinds[ProfileOf(id).kind].push_back(id);
      }
    }
    for (const auto& [kind, ids] : kinds) {
      *o_.log << "[sim] " << kind << " units (" << ids.size()
              << "): " << absl::StrJoin(ids, " ") << "\n";
    }
  }
  sum_.start = now_;
  sum_.working_days = static_cast<int>(working_days_.size());
  const int slots = sum_.working_days * kSlotsPerDay;
  int order_no = 0;
  for (slot_ = 0; slot_ < slots; ++slot_) {
    RETURN_IF_ERROR(AdvanceTo(SlotTime(slot_)));
    RETURN_IF_ERROR(SettleLadder());
    // New calls arrive in the first four steps of the day.
    const int in_slot = slot_ % kSlotsPerDay;
    if (in_slot < 4) {
      const int n =
          o_.orders_per_day / 4 + (in_slot < o_.orders_per_day % 4 ? 1 : 0);
      for (int k = 0; k < n; ++k) RETURN_IF_ERROR(Create(slot_, order_no++));
    }
    while (!tasks_.empty() && tasks_.top().slot <= slot_) {
      Task t = tasks_.top();
      tasks_.pop();
      RETURN_IF_ERROR(Execute(t));
    }
    RETURN_IF_ERROR(Settle());
    // Fridays' and the month's last afternoon: the center inspects what
    // was chased twice.
    const bool last_slot = in_slot == kSlotsPerDay - 1;
    const absl::CivilDay day = working_days_[DayOfSlot(slot_)];
    if (last_slot && (absl::GetWeekday(day) == absl::Weekday::friday ||
                      slot_ == slots - 1)) {
      RETURN_IF_ERROR(SettleLadder());
      RETURN_IF_ERROR(SuperviseTheChased());
    }
    if (last_slot && o_.log != nullptr) {
      *o_.log << absl::StrFormat(
          "[sim] %s: %d orders, %d replied, %d approved, %d evaluated\n",
          DateOf(day), sum_.orders, sum_.replies, sum_.reviews_approved,
          sum_.evaluations);
    }
  }
  // The month ends at midnight of its last day; the ladder catches up.
  const absl::CivilDay end_day = absl::ToCivilDay(sum_.start, Cst()) + o_.days;
  RETURN_IF_ERROR(AdvanceTo(std::max(
      now_,
      absl::FromCivil(absl::CivilSecond(end_day), Cst()) - absl::Minutes(1))));
  RETURN_IF_ERROR(SettleLadder());
  sum_.end = now_;
  for (const Order& o : orders_) {
    if (o.approved) continue;
    ++sum_.open_at_end;
    absl::StatusOr<v1::Assignment> a = GetAssignment(o.ticket_id);
    if (a.ok() && a->has_handling_due() &&
        FromProto(a->handling_due()) < now_) {
      ++sum_.open_overdue_at_end;
    }
  }
  v1::ListLadderStepsRequest lreq;
  lreq.mutable_page()->set_page_size(500);
  while (true) {
    v1::ListLadderStepsResponse lresp;
    grpc::Status s =
        Call(deadline_.get(), &v1::DeadlineService::Stub::ListLadderSteps,
             center_, lreq, &lresp);
    if (!s.ok()) break;
    sum_.ladder_steps += lresp.steps_size();
    if (lresp.page().next_page_token().empty()) break;
    lreq.mutable_page()->set_page_token(lresp.page().next_page_token());
  }
  return sum_;
}

}  // namespace

absl::StatusOr<Summary> Run(const Options& options) {
  Simulator sim(options);
  return sim.Run();
}

std::string FormatSummary(const Summary& s) {
  const absl::TimeZone tz = Cst();
  return absl::StrFormat(
      "Simulated %s .. %s (%d working days)\n"
      "  orders %d; dispatched by the catalogue %d, by the center %d, "
      "re-dispatched %d\n"
      "  accepted %d, forwarded %d, returned %d, disputed %d (granted %d), "
      "with co-units %d (opinions %d, released %d)\n"
      "  extensions asked %d (too late %d), approved %d, rejected %d\n"
      "  replies %d (late %d), rejected at review %d, approved %d\n"
      "  evaluations %d (not reached %d, dissatisfied %d)\n"
      "  open at the end %d (past the handling due %d); ladder steps %d, "
      "special inspections %d; refused actions %d\n",
      absl::FormatTime("%Y-%m-%d %H:%M", s.start, tz),
      absl::FormatTime("%Y-%m-%d %H:%M", s.end, tz), s.working_days, s.orders,
      s.dispatched_auto, s.dispatched_manual, s.redispatched, s.accepted,
      s.forwarded, s.returned, s.disputed, s.disputes_granted, s.with_co_units,
      s.co_opinions, s.co_units_released, s.extensions_requested,
      s.extensions_refused_too_late, s.extensions_approved,
      s.extensions_rejected, s.replies, s.replies_late, s.reviews_rejected,
      s.reviews_approved, s.evaluations, s.evaluations_not_reached,
      s.dissatisfied, s.open_at_end, s.open_overdue_at_end, s.ladder_steps,
      s.supervision_acts, s.refused);
}

absl::StatusOr<std::vector<std::string>> UnitsOfDirectoryCsv(
    const std::string& csv_text) {
  std::vector<std::string> out;
  bool header = false;
  for (absl::string_view line : absl::StrSplit(csv_text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    if (!header) {
      if (!absl::StartsWith(line, "unit_id,")) {
        return absl::InvalidArgumentError(
            "directory CSV: the header line must come first");
      }
      header = true;
      continue;
    }
    std::vector<std::string> f = absl::StrSplit(line, ',');
    if (f.size() < 4) {
      return absl::InvalidArgumentError(
          absl::StrCat("directory CSV: short line: ", line));
    }
    if (f[3] == "CENTER") continue;
    out.push_back(f[0]);
  }
  return out;
}

std::string UnitTokenLines(const std::vector<std::string>& units,
                           const std::string& existing_tokens_text,
                           const std::function<std::string(int)>& token) {
  std::set<std::pair<std::string, std::string>> have;
  for (absl::string_view line : absl::StrSplit(existing_tokens_text, '\n')) {
    std::vector<std::string> f =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (f.size() == 3 && !f[0].empty() && f[0][0] != '#') {
      have.emplace(f[1], f[2]);
    }
  }
  std::string out;
  int n = 0;
  for (const std::string& u : units) {
    for (const char* role : {"UNIT_STAFF", "UNIT_LEAD"}) {
      if (have.count({role, u})) continue;
      absl::StrAppend(&out, token(n++), " ", role, " ", u, "\n");
    }
  }
  return out;
}

}  // namespace hotline::sim
