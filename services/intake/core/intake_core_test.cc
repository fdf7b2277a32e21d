// IntakeCore::CreateTicket against the domain, without a database: the store
// is an in-memory one that keeps what the core hands it, so the test sees
// exactly the order, events and repeat query the core builds (the MySQL store
// is covered by tests/intake_service_integration_test.cc).

#include "services/intake/core/intake_core.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/time.h"
#include "common/server/proto_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hotline::intake {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

constexpr char kKeys[] =
    "k1 2222222222222222222222222222222222222222222222222222222222222222\n"
    "hmac 3333333333333333333333333333333333333333333333333333333333333333\n";

// Fri 2026-12-04 10:00 in Beijing.
const absl::Time kNow = absl::FromCivil(
    absl::CivilSecond(2026, 12, 4, 10, 0, 0), absl::FixedTimeZone(8 * 3600));

// Keeps the orders it is given, by request id; answers a request id seen
// before with its order (replayed), as the MySQL store does.
class MemoryIntakeStore final : public IntakeStore {
 public:
  std::vector<NewTicket> created;
  std::vector<RepeatQuery> queries;

  absl::StatusOr<int64_t> NextSerial(const std::string& day) override {
    return ++serials_[day];
  }
  absl::StatusOr<CreateOutcome> CreateTicket(const NewTicket& t,
                                             const RepeatQuery& q) override {
    queries.push_back(q);
    CreateOutcome out;
    auto seen = by_request_.find(t.request_id);
    if (seen != by_request_.end()) {
      out.record = seen->second;
      out.replayed = true;
      return out;
    }
    created.push_back(t);
    TicketRecord& rec = by_request_[t.request_id];
    rec.row_id = static_cast<int64_t>(created.size());
    rec.ticket = t.ticket;
    rec.caller_ct = t.caller_ct;
    rec.request_hash = t.request_hash;
    out.record = rec;
    return out;
  }

  // Not reached by CreateTicket.
  absl::StatusOr<Catalog> LoadCatalog() override { return Unused(); }
  absl::StatusOr<std::vector<v1::RepeatCandidate>> FindRepeats(
      const RepeatQuery&) override {
    return Unused();
  }
  absl::StatusOr<TicketRecord> GetTicket(const std::string&, const std::string&,
                                         std::vector<std::string>*) override {
    return Unused();
  }
  absl::StatusOr<std::vector<TicketRecord>> ListTickets(
      const TicketFilter&, const ReaderScope&) override {
    return Unused();
  }
  absl::StatusOr<std::pair<std::string, std::string>> RecordReveal(
      const RevealRecord&) override {
    return Unused();
  }
  absl::StatusOr<std::vector<v1::RevealAuditEntry>> ListRevealAudit(
      const AuditFilter&) override {
    return Unused();
  }
  absl::StatusOr<std::optional<TicketRecord>> LockTicket(
      db::Connection&, const std::string&) override {
    return Unused();
  }
  absl::StatusOr<std::map<std::string, StoredStatus>> LockStatuses(
      db::Connection&, const std::vector<std::string>&) override {
    return Unused();
  }
  absl::StatusOr<int64_t> CountMergedInto(db::Connection&,
                                          const std::string&) override {
    return Unused();
  }
  absl::Status WriteMerge(db::Connection&, const std::string&, v1::TicketStatus,
                          const std::string&, const std::string&,
                          absl::Time) override {
    return Unused();
  }
  absl::StatusOr<std::map<std::string, std::string>> UnitNames(
      db::Connection&, const std::vector<std::string>&) override {
    return Unused();
  }
  absl::Status WriteEventEffects(db::Connection&,
                                 const EventEffects&) override {
    return Unused();
  }

 private:
  static absl::Status Unused() {
    return absl::UnimplementedError("not used by CreateTicket");
  }
  std::map<std::string, int64_t> serials_;
  std::map<std::string, TicketRecord> by_request_;
};

// The directory copy of a follower without routing: the units it was given.
class FixedDirectoryStore final : public directory::DirectoryStore {
 public:
  absl::StatusOr<directory::Directory> Load() override {
    return directory::Directory({
        {"center", "", v1::UNIT_KIND_CENTER, "区政务服务管理办", "", true},
        {"town.longshui", "center", v1::UNIT_KIND_TOWN_STREET, "龙水镇人民政府",
         "龙水镇", true},
        {"comm.longshui.nanshan", "town.longshui",
         v1::UNIT_KIND_VILLAGE_COMMUNITY, "龙水镇南山社区居委会", "南山社区",
         true},
    });
  }
  absl::Status Save(const directory::Directory&) override {
    return absl::OkStatus();
  }
};

class IntakeCoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto crypto = CallerCrypto::Parse(kKeys);
    ASSERT_TRUE(crypto.ok()) << crypto.status();
    crypto_ = std::make_unique<CallerCrypto>(*std::move(crypto));
    follower_ = std::make_unique<directory::DirectoryFollower>(
        nullptr, &directory_store_, directory::FollowerOptions{});
    ASSERT_TRUE(follower_->LoadStored().ok());
    Catalog catalog;
    v1::MatterCategory streetlight;
    streetlight.set_code("urban.road.streetlight");
    catalog.categories.push_back(streetlight);
    catalog.places = PlacesFromDirectory(*follower_->Snapshot());
    catalog_.Set(std::move(catalog));
    IntakeSettings settings;
    settings.repeat_window_days = 30;
    settings.repeat_similarity = 0.6;
    core_ = std::make_unique<IntakeCore>(nullptr, nullptr, crypto_.get(),
                                         &store_, nullptr, &catalog_,
                                         follower_.get(), settings);
  }

  static v1::CreateTicketRequest Complaint(const std::string& request_id) {
    v1::CreateTicketRequest req;
    req.set_request_id(request_id);
    req.set_channel(v1::CHANNEL_PHONE);
    req.set_request_type(v1::REQUEST_TYPE_COMPLAINT);
    req.set_category_code("urban.road.streetlight");
    req.set_title("南山社区路灯不亮");
    req.set_content("南山社区三号路口的路灯已坏一周，夜间出行不便。");
    req.mutable_location()->set_town_code("town.longshui");
    req.mutable_location()->set_community_code("comm.longshui.nanshan");
    req.mutable_caller()->set_name("李秀英");
    req.mutable_caller()->set_phone("13812345678");
    return req;
  }

  const auth::Principal agent_{"tok-agent", auth::Role::kCallAgent, "", ""};
  MemoryIntakeStore store_;
  FixedDirectoryStore directory_store_;
  std::unique_ptr<CallerCrypto> crypto_;
  std::unique_ptr<directory::DirectoryFollower> follower_;
  CatalogHolder catalog_;
  std::unique_ptr<IntakeCore> core_;
};

TEST_F(IntakeCoreTest, BuildsTheOrderItsEventAndItsRepeatQuery) {
  absl::StatusOr<CreateOutcome> out =
      core_->CreateTicket(Complaint("req-streetlight-1"), agent_, kNow);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_FALSE(out->replayed);
  ASSERT_THAT(store_.created, SizeIs(1));
  const NewTicket& nt = store_.created[0];
  const v1::Ticket& t = nt.ticket;
  EXPECT_EQ(t.ticket_number(), "DZ20261204-000001");
  EXPECT_TRUE(absl::StartsWith(t.ticket_id(), "tk-"));
  EXPECT_EQ(t.status(), v1::TICKET_STATUS_RECEIVED);
  EXPECT_EQ(t.urgency(), v1::URGENCY_NORMAL);  // unspecified → normal
  EXPECT_EQ(FromProto(t.received_at()), kNow);
  EXPECT_FALSE(t.confidential());
  // The caller only sealed, bound to the order; the phone only keyed.
  EXPECT_TRUE(t.caller().name().empty());
  EXPECT_TRUE(t.caller().phone().empty());
  EXPECT_THAT(nt.caller_ct, Not(HasSubstr("李秀英")));
  absl::StatusOr<std::string> plain =
      crypto_->Decrypt(nt.caller_ct, t.ticket_id());
  ASSERT_TRUE(plain.ok()) << plain.status();
  v1::CallerIdentity caller;
  ASSERT_TRUE(caller.ParseFromString(*plain));
  EXPECT_EQ(caller.name(), "李秀英");
  EXPECT_EQ(t.caller_hash(), crypto_->PhoneHash("13812345678"));
  EXPECT_THAT(nt.request_hash, Not(IsEmpty()));
  // One TicketCreated carrying what consumers need, never the caller.
  ASSERT_THAT(nt.events, SizeIs(1));
  const v1::TicketCreated& created = nt.events[0].ticket_created();
  EXPECT_EQ(nt.events[0].ticket_id(), t.ticket_id());
  EXPECT_EQ(created.category_code(), "urban.road.streetlight");
  EXPECT_EQ(created.location().community_code(), "comm.longshui.nanshan");
  EXPECT_EQ(created.caller_hash(), t.caller_hash());
  EXPECT_THAT(nt.events[0].DebugString(), Not(HasSubstr("13812345678")));
  // Repeats: the same caller or town in the window, at the setting's
  // threshold, never the order itself.
  ASSERT_THAT(store_.queries, SizeIs(1));
  const RepeatQuery& q = store_.queries[0];
  EXPECT_EQ(q.caller_hash, t.caller_hash());
  EXPECT_EQ(q.town_code, "town.longshui");
  EXPECT_EQ(q.since, kNow - absl::Hours(24 * 30));
  EXPECT_DOUBLE_EQ(q.threshold, 0.6);
  EXPECT_EQ(q.exclude_ticket_id, t.ticket_id());
  EXPECT_EQ(q.signature, nt.signature);
}

TEST_F(IntakeCoreTest, AReportIsConfidentialAndTheNextNumberFollows) {
  ASSERT_TRUE(core_->CreateTicket(Complaint("req-1"), agent_, kNow).ok());
  v1::CreateTicketRequest report = Complaint("req-report-2");
  report.set_request_type(v1::REQUEST_TYPE_REPORT);
  ASSERT_TRUE(core_->CreateTicket(report, agent_, kNow).ok());
  ASSERT_THAT(store_.created, SizeIs(2));
  EXPECT_EQ(store_.created[1].ticket.ticket_number(), "DZ20261204-000002");
  EXPECT_TRUE(store_.created[1].ticket.confidential());
}

TEST_F(IntakeCoreTest, ARequestIdAnswersItsOwnRequestOnly) {
  ASSERT_TRUE(core_->CreateTicket(Complaint("req-repeat"), agent_, kNow).ok());
  absl::StatusOr<CreateOutcome> again =
      core_->CreateTicket(Complaint("req-repeat"), agent_, kNow);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->replayed);
  EXPECT_EQ(again->record.ticket.ticket_number(), "DZ20261204-000001");
  // The same id with another caller, or other content: refused, nothing new.
  v1::CreateTicketRequest other_caller = Complaint("req-repeat");
  other_caller.mutable_caller()->set_phone("13900001111");
  EXPECT_EQ(core_->CreateTicket(other_caller, agent_, kNow).status().code(),
            absl::StatusCode::kAlreadyExists);
  v1::CreateTicketRequest other_content = Complaint("req-repeat");
  other_content.set_content("另一件事");
  const absl::Status reused =
      core_->CreateTicket(other_content, agent_, kNow).status();
  EXPECT_EQ(reused.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(std::string(reused.message()), HasSubstr("DZ20261204-000001"));
  EXPECT_THAT(store_.created, SizeIs(1));
}

TEST_F(IntakeCoreTest, BadInputIsRefusedNamingTheFieldAndNothingIsStored) {
  v1::CreateTicketRequest unknown_category = Complaint("req-bad-1");
  unknown_category.set_category_code("urban.nowhere");
  const absl::Status s1 =
      core_->CreateTicket(unknown_category, agent_, kNow).status();
  EXPECT_EQ(s1.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s1.message()), HasSubstr("category_code"));
  v1::CreateTicketRequest wrong_town = Complaint("req-bad-2");
  wrong_town.mutable_location()->set_town_code("town.youting");
  const absl::Status s2 =
      core_->CreateTicket(wrong_town, agent_, kNow).status();
  EXPECT_EQ(s2.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s2.message()), HasSubstr("location.town_code"));
  EXPECT_THAT(store_.created, IsEmpty());
  EXPECT_THAT(store_.queries, IsEmpty());
}

}  // namespace
}  // namespace hotline::intake
