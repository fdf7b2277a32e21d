// Routing's request validation (services/routing/edge/request_checks.h) and the
// assignment state machine behind it, over sequences of requests parsed from
// the input. Each record is [kind][unit][length: 2 bytes LE][message]; the
// message is parsed as the kind's request (DispatchRequest, ReplyRequest, …)
// and checked as the gRPC edge checks it (request_id, ticket_id, then the
// request's own fields). An accepted request drives the machine of one order
// in the sample district (data/directory/dazu_sample.csv), as `unit` (or the
// center) would. Properties: refusals are INVALID_ARGUMENT; the machine
// never crashes on an accepted request, and every state it reaches is
// coherent (the holder is a unit of the tree, the round never decreases,
// each transition that has an event names the order).

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status/status.h"
#include "hotline/v1/events.pb.h"
#include "hotline/v1/routing.pb.h"
#include "services/routing/domain/assignment_machine.h"
#include "services/routing/domain/directory_csv.h"
#include "services/routing/domain/unit_tree.h"
#include "services/routing/edge/request_checks.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using namespace hotline::routing;  // NOLINT: the rules under test
namespace v1 = hotline::v1;

const UnitTree& Tree() {
  static const UnitTree* tree = [] {
    std::ifstream in(HOTLINE_SOURCE_DIR "/data/directory/dazu_sample.csv");
    std::stringstream text;
    text << in.rdbuf();
    CsvParseResult parsed = ParseDirectoryCsv(text.str());
    FUZZ_CHECK(parsed.errors.empty() && parsed.units.size() > 40)
        << "cannot read the sample directory";
    std::vector<v1::Unit> units;
    for (auto& u : parsed.units) units.push_back(u.unit);
    return new UnitTree(units);
  }();
  return *tree;
}

// The principals' units a record may act as.
const char* const kUnits[] = {
    "center",      "town.longshui",        "comm.longshui.nanshan",
    "dept.urban",  "sec.urban.law",        "dept.housing",
    "dept.market", "sec.market.longshui",  "town.longgang",
    "dept.hrss",   "vill.longshui.qiaotou"};

template <typename Req>
bool Parse(const std::string& bytes, Req* req) {
  return req->ParseFromString(bytes);
}

// The edge's common checks of a transition request.
template <typename Req>
absl::Status Common(const Req& req) {
  RETURN_IF_ERROR(CheckId("request_id", req.request_id()));
  return CheckId("ticket_id", req.ticket_id());
}

void CheckState(const AssignmentState& before, const AssignmentState& after) {
  const v1::Assignment& v = after.view;
  FUZZ_CHECK(v1::TicketStatus_IsValid(v.status())) << v.status();
  FUZZ_CHECK(v.holder_unit_id().empty() || Tree().Contains(v.holder_unit_id()))
      << v.holder_unit_id();
  FUZZ_CHECK(v.dispatch_round() >= before.view.dispatch_round());
  FUZZ_CHECK(v.ticket_id() == before.view.ticket_id());
  for (const auto& c : v.co_units()) {
    FUZZ_CHECK(Tree().Contains(c.unit_id())) << c.unit_id();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::Time start = absl::FromUnixSeconds(1707350400);
  absl::Time now = start;
  AssignmentMachine m(&Tree());
  v1::TicketCreated created;
  created.set_channel(v1::CHANNEL_PHONE);
  created.set_request_type(v1::REQUEST_TYPE_COMPLAINT);
  created.set_category_code("urban.road.damage");
  created.mutable_location()->set_town_code("town.longshui");
  created.set_title("道路破损");
  created.set_content("龙水镇滨河路路面出现大坑。");
  AssignmentState state =
      m.Received("tk-fuzz", "DZ20240208-000001", created, now);
  std::vector<std::string> replies, disputes;
  size_t pos = 0;
  for (int step = 0; step < 64 && pos + 4 <= size; ++step) {
    const uint8_t kind = data[pos] % 11;
    const std::string unit =
        kUnits[data[pos + 1] % (sizeof kUnits / sizeof kUnits[0])];
    const size_t len = std::min<size_t>(
        size - pos - 4,
        data[pos + 2] | (static_cast<size_t>(data[pos + 3]) << 8));
    const std::string bytes(reinterpret_cast<const char*>(data + pos + 4), len);
    pos += 4 + len;
    now += absl::Minutes(37);
    absl::StatusOr<Transition> t = absl::InvalidArgumentError("unparsed");
    absl::Status checked;
    switch (kind) {
      case 0: {
        v1::DispatchRequest r;
        if (!Parse(bytes, &r)) continue;
        checked = Common(r);
        if (checked.ok()) checked = CheckDispatchRequest(r, now);
        if (!checked.ok()) break;
        DispatchCommand cmd;
        cmd.unit_id = r.unit_id();
        cmd.co_unit_ids.assign(r.co_unit_ids().begin(), r.co_unit_ids().end());
        cmd.has_limit = r.has_limit();
        cmd.limit = r.limit();
        cmd.note = r.note();
        cmd.rule_id = r.rule_id();
        cmd.reason = r.reason();
        t = m.Dispatch(state, cmd, now);
        break;
      }
      case 1: {
        v1::AcceptRequest r;
        if (!Parse(bytes, &r)) continue;
        checked = Common(r);
        if (checked.ok()) t = m.Accept(state, unit, now);
        break;
      }
      case 2: {
        v1::ForwardRequest r;
        if (!Parse(bytes, &r)) continue;
        checked = Common(r);
        if (checked.ok()) checked = CheckForwardRequest(r);
        if (checked.ok()) {
          t = m.Forward(state, unit, r.to_unit_id(), r.note(), now);
        }
        break;
      }
      case 3: {
        v1::ReturnRequest r;
        if (!Parse(bytes, &r)) continue;
        checked = Common(r);
        if (checked.ok()) checked = CheckReturnRequest(r);
        if (checked.ok()) t = m.Return(state, unit, r.reason(), now);
        break;
      }
      case 4: {
        v1::DisputeRequest r;
        if (!Parse(bytes, &r)) continue;
        checked = Common(r);
        if (checked.ok()) checked = CheckDisputeRequest(r);
        if (checked.ok()) {
          disputes.push_back(absl::StrCat("dsp-", step));
          t = m.Dispute(state, unit, disputes.back(), r.reason(),
                        r.suggested_unit_id(), now);
        }
        break;
      }
      case 5: {
        v1::DecideDisputeRequest r;
        if (!Parse(bytes, &r)) continue;
        checked = Common(r);
        if (checked.ok()) checked = CheckDecideDisputeRequest(r);
        if (checked.ok()) {
          // The id as the client would have it: the last one raised.
          const std::string id =
              disputes.empty() ? r.dispute_id() : disputes.back();
          t = m.DecideDispute(state, id, r.outcome(), r.reason(), now);
        }
        break;
      }
      case 6: {
        v1::AddCoUnitsRequest r;
        if (!Parse(bytes, &r)) continue;
        checked = Common(r);
        if (checked.ok()) checked = CheckAddCoUnitsRequest(r);
        if (checked.ok()) {
          std::vector<std::string> units(r.co_unit_ids().begin(),
                                         r.co_unit_ids().end());
          t = m.AddCoUnits(state, units, r.note(), now);
        }
        break;
      }
      case 7: {
        v1::SubmitCoOpinionRequest r;
        if (!Parse(bytes, &r)) continue;
        checked = Common(r);
        if (checked.ok()) checked = CheckSubmitCoOpinionRequest(r);
        if (checked.ok()) t = m.SubmitCoOpinion(state, unit, r.opinion(), now);
        break;
      }
      case 8: {
        v1::ReleaseCoUnitRequest r;
        if (!Parse(bytes, &r)) continue;
        checked = Common(r);
        if (checked.ok()) checked = CheckReleaseCoUnitRequest(r);
        if (checked.ok()) {
          t = m.ReleaseCoUnit(state, r.co_unit_id(), r.reason(), now);
        }
        break;
      }
      case 9: {
        v1::ReplyRequest r;
        if (!Parse(bytes, &r)) continue;
        checked = Common(r);
        absl::StatusOr<absl::Time> contacted = absl::UnknownError("");
        if (checked.ok()) {
          contacted = CheckReplyRequest(r, now);
          checked = contacted.status();
        }
        if (checked.ok()) {
          FUZZ_CHECK(*contacted <= now);
          ReplyCommand cmd;
          replies.push_back(absl::StrCat("rpl-", step));
          cmd.reply_id = replies.back();
          cmd.text = r.text();
          cmd.contact = r.contact();
          cmd.contacted_at = *contacted;
          cmd.checks = r.checks();
          cmd.resolved = r.resolved();
          cmd.replied_by.set_principal_id("tok-fuzz");
          t = m.Reply(state, unit, cmd, now);
        }
        break;
      }
      case 10: {
        v1::ReviewRequest r;
        if (!Parse(bytes, &r)) continue;
        checked = Common(r);
        if (checked.ok()) checked = CheckReviewRequest(r);
        if (checked.ok()) {
          std::vector<v1::ReviewReason> reasons;
          for (int x : r.reasons()) {
            reasons.push_back(static_cast<v1::ReviewReason>(x));
          }
          const std::string id =
              replies.empty() ? r.reply_id() : replies.back();
          t = m.Review(state, id, r.approve(), reasons, r.comment(), now);
        }
        break;
      }
    }
    if (!checked.ok()) {
      FUZZ_CHECK(absl::IsInvalidArgument(checked)) << checked;
      continue;
    }
    if (!t.ok()) continue;  // refused in this state: the order is unchanged
    CheckState(state, t->after);
    if (t->has_event) {
      FUZZ_CHECK(t->event.ticket_id() == "tk-fuzz");
      FUZZ_CHECK(t->event.payload_case() != v1::TicketEvent::PAYLOAD_NOT_SET);
    }
    state = std::move(t->after);
  }
  return 0;
}
