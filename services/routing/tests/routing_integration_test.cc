// RoutingService and DirectoryService over gRPC against the real MariaDB:
// every transition and every refusal, the directory file, the catalogue and
// automatic dispatch, worklists fed by deadline's events, idempotency, and
// the outbox (exactly one event per accepted change, none per refusal).

#include <functional>
#include <thread>

#include "absl/strings/escaping.h"
#include "common/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/routing/tests/routing_test_client.h"

namespace hotline::routing {
namespace {

using namespace testing;  // NOLINT
using ::testing::HasSubstr;
using ::testing::StartsWith;

#define RCALL(method, token, req, resp)                                      \
  c_->Call(c_->routing.get(), &v1::RoutingService::Stub::method, token, req, \
           resp)
#define DCALL(method, token, req, resp)                                     \
  c_->Call(c_->directory.get(), &v1::DirectoryService::Stub::method, token, \
           req, resp)

class RoutingIT : public ::testing::Test {
 protected:
  void SetUp() override {
    hotline::testing::ServiceOptions o;
    o.extra_tokens = ExtraTokens();
    auto svc = ServiceUnderTest::Start(Definition(), o);
    ASSERT_TRUE(svc.ok()) << svc.status();
    svc_ = std::move(*svc);
    c_ = std::make_unique<RoutingClient>(svc_->channel());
    v1::ImportDirectoryRequest req;
    req.set_request_id("import-1");
    req.set_format(v1::DIRECTORY_FORMAT_CSV);
    req.set_content(SampleDirectory());
    req.set_source("sample: Dazu District");
    v1::ImportDirectoryResponse resp;
    grpc::Status s = DCALL(ImportDirectory, kCenterToken, req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
    ASSERT_EQ(resp.units_created(), 51);
  }

  absl::Time Now() { return svc_->clock().Now(); }

  int64_t Scalar(const std::string& sql) {
    auto conn = svc_->instance().pool().Acquire();
    EXPECT_TRUE(conn.ok());
    auto rs = (*conn)->Query(sql);
    EXPECT_TRUE(rs.ok()) << rs.status();
    (*rs)->next();
    return (*rs)->getInt64(1);
  }
  int64_t Events(const std::string& ticket) {
    return Scalar("SELECT COUNT(*) FROM outbox WHERE ticket_id = '" + ticket +
                  "'");
  }

  std::string NewOrder(int n, const std::string& category = "城乡建设/物业管理",
                       const std::string& town = "town.longshui",
                       v1::Urgency urgency = v1::URGENCY_NORMAL) {
    std::string id = absl::StrCat("tkt-", n);
    grpc::Status s =
        c_->Publish({Created(id, n, category, town, Now(), urgency)}, "intake");
    EXPECT_TRUE(s.ok()) << s.error_message();
    return id;
  }

  v1::Assignment Get(const std::string& ticket) {
    v1::GetAssignmentRequest req;
    req.set_ticket_id(ticket);
    v1::GetAssignmentResponse resp;
    grpc::Status s = RCALL(GetAssignment, kCenterToken, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp.assignment();
  }

  grpc::Status Dispatch(const std::string& ticket, const std::string& unit,
                        const std::string& reason = "",
                        std::vector<std::string> co = {},
                        const std::string& token = kCenterToken) {
    v1::DispatchRequest req;
    req.set_request_id(absl::StrCat("dsp-", ++rid_));
    req.set_ticket_id(ticket);
    req.set_unit_id(unit);
    req.set_reason(reason);
    for (auto& u : co) req.add_co_unit_ids(u);
    v1::DispatchResponse resp;
    return RCALL(Dispatch, token, req, &resp);
  }
  grpc::Status Accept(const std::string& ticket, const std::string& token) {
    v1::AcceptRequest req;
    req.set_request_id(absl::StrCat("acc-", ++rid_));
    req.set_ticket_id(ticket);
    v1::AcceptResponse resp;
    return RCALL(Accept, token, req, &resp);
  }
  grpc::Status Forward(const std::string& ticket, const std::string& to,
                       const std::string& token) {
    v1::ForwardRequest req;
    req.set_request_id(absl::StrCat("fwd-", ++rid_));
    req.set_ticket_id(ticket);
    req.set_to_unit_id(to);
    req.set_note("请核实处理");
    v1::ForwardResponse resp;
    return RCALL(Forward, token, req, &resp);
  }
  grpc::Status Return(const std::string& ticket, const std::string& token,
                      const std::string& reason = "不属于本单位职责") {
    v1::ReturnRequest req;
    req.set_request_id(absl::StrCat("ret-", ++rid_));
    req.set_ticket_id(ticket);
    req.set_reason(reason);
    v1::ReturnResponse resp;
    return RCALL(Return, token, req, &resp);
  }
  grpc::Status Dispute(const std::string& ticket, const std::string& token,
                       std::string* dispute_id = nullptr) {
    v1::DisputeRequest req;
    req.set_request_id(absl::StrCat("dis-", ++rid_));
    req.set_ticket_id(ticket);
    req.set_reason("该事项属物业监管，应由区住房城乡建委办理");
    req.set_suggested_unit_id("dept.housing");
    v1::DisputeResponse resp;
    grpc::Status s = RCALL(Dispute, token, req, &resp);
    if (dispute_id) *dispute_id = resp.assignment().open_dispute().dispute_id();
    return s;
  }
  grpc::Status Decide(const std::string& ticket, const std::string& id,
                      v1::DisputeOutcome outcome,
                      const std::string& token = kCenterToken) {
    v1::DecideDisputeRequest req;
    req.set_request_id(absl::StrCat("dec-", ++rid_));
    req.set_ticket_id(ticket);
    req.set_dispute_id(id);
    req.set_outcome(outcome);
    req.set_reason("经审核");
    v1::DecideDisputeResponse resp;
    return RCALL(DecideDispute, token, req, &resp);
  }
  v1::ReplyRequest ReplyReq(const std::string& ticket) {
    v1::ReplyRequest req;
    req.set_request_id(absl::StrCat("rpl-", ++rid_));
    req.set_ticket_id(ticket);
    req.set_text("已督促物业公司维修，电梯于今日恢复运行，已电话告知来电人。");
    req.set_contact(v1::REPLY_CONTACT_PHONE);
    // Not before the order was received (its received_at is Now()).
    *req.mutable_contacted_at() = ToProto(Now());
    auto* k = req.mutable_checks();
    k->set_policy_checked(true);
    k->set_confidentiality_checked(true);
    k->set_source_checked(true);
    k->set_wording_checked(true);
    req.set_resolved(true);
    return req;
  }
  grpc::Status Reply(const std::string& ticket, const std::string& token,
                     std::string* reply_id = nullptr) {
    v1::ReplyResponse resp;
    grpc::Status s = RCALL(Reply, token, ReplyReq(ticket), &resp);
    if (reply_id) *reply_id = resp.assignment().latest_reply().reply_id();
    return s;
  }
  grpc::Status Review(const std::string& ticket, const std::string& reply_id,
                      bool approve, const std::string& token = kCenterToken) {
    v1::ReviewRequest req;
    req.set_request_id(absl::StrCat("rev-", ++rid_));
    req.set_ticket_id(ticket);
    req.set_reply_id(reply_id);
    req.set_approve(approve);
    if (!approve) {
      req.add_reasons(v1::REVIEW_REASON_NOT_RESOLVED);
      req.set_comment("来电人反映电梯仍未修好");
    }
    v1::ReviewResponse resp;
    return RCALL(Review, token, req, &resp);
  }

  // Expects `s` to fail with `code` and a message containing `text`, and the
  // order's outbox not to grow.
  void ExpectRefused(const grpc::Status& s, grpc::StatusCode code,
                     const std::string& text = "") {
    EXPECT_EQ(s.error_code(), code) << s.error_message();
    if (!text.empty()) {
      EXPECT_THAT(s.error_message(), HasSubstr(text));
    }
  }

  std::unique_ptr<ServiceUnderTest> svc_;
  std::unique_ptr<RoutingClient> c_;
  int rid_ = 0;
};

// ------------------------------------------------------------- directory

TEST_F(RoutingIT, DirectoryTreeExportImportRoundTrip) {
  v1::GetUnitRequest g;
  g.set_unit_id("town.longshui");
  v1::GetUnitResponse gu;
  ASSERT_TRUE(DCALL(GetUnit, kLonggangStaff, g, &gu).ok());
  EXPECT_EQ(gu.unit().name(), "龙水镇人民政府");
  EXPECT_THAT(gu.ancestor_unit_ids(), ::testing::ElementsAre("center"));
  ASSERT_EQ(gu.children_size(), 2);
  EXPECT_EQ(gu.children(0).unit_id(), "comm.longshui.nanshan");

  v1::ListUnitsRequest l;
  l.add_kinds(v1::UNIT_KIND_TOWN_STREET);
  l.mutable_page()->set_page_size(20);
  v1::ListUnitsResponse lu;
  ASSERT_TRUE(DCALL(ListUnits, kAgentToken, l, &lu).ok());
  EXPECT_EQ(lu.units_size(), 20);
  EXPECT_EQ(lu.units(0).unit_id(), "town.longgang");
  ASSERT_FALSE(lu.page().next_page_token().empty());
  const std::string units_token = lu.page().next_page_token();
  l.mutable_page()->set_page_token(units_token);
  ASSERT_TRUE(DCALL(ListUnits, kAgentToken, l, &lu).ok());
  EXPECT_EQ(lu.units_size(), 7);
  EXPECT_TRUE(lu.page().next_page_token().empty());
  // A token of another list is refused.
  v1::ListRulesRequest other_list;
  other_list.mutable_page()->set_page_token(units_token);
  v1::ListRulesResponse other_rules;
  ExpectRefused(DCALL(ListRules, kAgentToken, other_list, &other_rules),
                grpc::StatusCode::INVALID_ARGUMENT, "page.page_token");
  // So is one of the same list with other filters.
  v1::ListUnitsRequest other_query = l;
  other_query.clear_kinds();
  other_query.mutable_page()->set_page_token(units_token);
  ExpectRefused(DCALL(ListUnits, kAgentToken, other_query, &lu),
                grpc::StatusCode::INVALID_ARGUMENT, "page.page_token");
  // And something that is no token at all.
  l.mutable_page()->set_page_token("rules:3");
  ExpectRefused(DCALL(ListUnits, kAgentToken, l, &lu),
                grpc::StatusCode::INVALID_ARGUMENT, "page.page_token");

  v1::ExportDirectoryRequest e;
  e.set_format(v1::DIRECTORY_FORMAT_CSV);
  v1::ExportDirectoryResponse er;
  ASSERT_TRUE(DCALL(ExportDirectory, kAuditorToken, e, &er).ok());
  EXPECT_EQ(er.media_type(), "text/csv");
  v1::ImportDirectoryRequest i;
  i.set_request_id("reimport");
  i.set_format(v1::DIRECTORY_FORMAT_CSV);
  i.set_content(er.content());
  v1::ImportDirectoryResponse ir;
  ASSERT_TRUE(DCALL(ImportDirectory, kCenterToken, i, &ir).ok());
  EXPECT_EQ(ir.units_unchanged(), 51);
  EXPECT_EQ(ir.units_created() + ir.units_updated(), 0);
  ExpectRefused(DCALL(ExportDirectory, kLongshuiStaff, e, &er),
                grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(RoutingIT, JsonExportCarriesDutyAndRulesAndImportsBack) {
  v1::SetDutyRequest d;
  d.set_request_id("duty-j");
  d.set_unit_id("dept.urban");
  auto* e = d.add_entries();
  e->set_date("2024-02-09");
  e->mutable_leader()->set_name("钱局长（示例）");
  e->mutable_leader()->set_mobile("13900003333");
  v1::SetDutyResponse dr;
  ASSERT_TRUE(DCALL(SetDuty, kCenterToken, d, &dr).ok());
  v1::UpsertRuleRequest r;
  r.set_request_id("rule-j");
  auto* rule = r.mutable_rule();
  rule->set_rule_id("rule.urban.manhole");
  rule->set_name("井盖缺失交区城市管理局");
  rule->add_category_codes("城乡建设");
  rule->add_keywords("井盖");
  rule->set_unit_id("dept.urban");
  rule->set_priority(600);
  rule->set_active(true);
  v1::UpsertRuleResponse rr;
  ASSERT_TRUE(DCALL(UpsertRule, kCenterToken, r, &rr).ok());

  v1::ExportDirectoryRequest x;
  x.set_format(v1::DIRECTORY_FORMAT_JSON);
  v1::ExportDirectoryResponse xr;
  ASSERT_TRUE(DCALL(ExportDirectory, kServiceToken, x, &xr).ok());
  EXPECT_EQ(xr.media_type(), "application/json");
  EXPECT_THAT(xr.content(), HasSubstr("钱局长（示例）"));
  EXPECT_THAT(xr.content(), HasSubstr("rule.urban.manhole"));

  v1::DeleteRuleRequest del;
  del.set_request_id("del-j");
  del.set_rule_id("rule.urban.manhole");
  v1::DeleteRuleResponse delr;
  ASSERT_TRUE(DCALL(DeleteRule, kCenterToken, del, &delr).ok());
  v1::ImportDirectoryRequest i;
  i.set_request_id("import-j");
  i.set_format(v1::DIRECTORY_FORMAT_JSON);
  i.set_content(xr.content());
  v1::ImportDirectoryResponse ir;
  ASSERT_TRUE(DCALL(ImportDirectory, kServiceToken, i, &ir).ok());
  EXPECT_EQ(ir.units_unchanged(), 51);
  EXPECT_EQ(ir.duty_entries(), 1);
  EXPECT_EQ(ir.rules(), 1);
  v1::ListRulesRequest lr;
  v1::ListRulesResponse lrr;
  ASSERT_TRUE(DCALL(ListRules, kCenterToken, lr, &lrr).ok());
  ASSERT_EQ(lrr.rules_size(), 1);
  EXPECT_EQ(lrr.rules(0).name(), "井盖缺失交区城市管理局");
  // A rule naming a unit the directory lacks: reported by path, nothing
  // applied.
  i.set_request_id("import-j2");
  i.set_dry_run(true);
  i.set_content(
      R"({"rules": [{"ruleId": "r.x", "name": "错误规则", "categoryCodes": ["交通"],)"
      R"( "unitId": "dept.none", "priority": 10, "active": true}]})");
  ASSERT_TRUE(DCALL(ImportDirectory, kCenterToken, i, &ir).ok());
  ASSERT_EQ(ir.errors_size(), 1);
  EXPECT_THAT(ir.errors(0), StartsWith("rules[0].unit_id: dept.none"));
}

TEST_F(RoutingIT, ImportReportsLineErrorsAndIsAllOrNothing) {
  std::string bad =
      std::string(
          "unit_id,name,short_name,kind,parent_unit_id,liaison_name,"
          "liaison_title,liaison_mobile,liaison_office_phone,"
          "liaison_email,active,sort_order\n") +
      "comm.longshui.new,新建社区居委会,,VILLAGE_COMMUNITY,town.longshui,,,,,,"
      "1,0\n"
      "sec.bad,某科,,SECTION,town.longshui,,,,,,1,0\n"
      "town.new,新镇,,TOWN_STREET,center,周八,,12345,,,1,0\n";
  v1::ImportDirectoryRequest i;
  i.set_request_id("bad-import");
  i.set_format(v1::DIRECTORY_FORMAT_CSV);
  i.set_content(bad);
  i.set_dry_run(true);
  v1::ImportDirectoryResponse ir;
  ASSERT_TRUE(DCALL(ImportDirectory, kCenterToken, i, &ir).ok());
  ASSERT_EQ(ir.errors_size(), 2);
  EXPECT_THAT(ir.errors(0), StartsWith("line 3: unit.kind"));
  EXPECT_THAT(ir.errors(1), StartsWith("line 4: unit.liaison.mobile"));
  i.set_dry_run(false);
  ExpectRefused(DCALL(ImportDirectory, kCenterToken, i, &ir),
                grpc::StatusCode::INVALID_ARGUMENT, "line 3");
  EXPECT_EQ(Scalar("SELECT COUNT(*) FROM unit"), 51);  // nothing applied
  ExpectRefused(DCALL(ImportDirectory, kLongshuiLead, i, &ir),
                grpc::StatusCode::PERMISSION_DENIED);
  i.set_format(v1::DIRECTORY_FORMAT_UNSPECIFIED);
  ExpectRefused(DCALL(ImportDirectory, kCenterToken, i, &ir),
                grpc::StatusCode::INVALID_ARGUMENT, "format");
}

TEST_F(RoutingIT, UpsertUnitVersionsCyclesLiaisonAndDeactivation) {
  v1::GetUnitRequest g;
  g.set_unit_id("comm.longshui.nanshan");
  v1::GetUnitResponse gu;
  ASSERT_TRUE(DCALL(GetUnit, kCenterToken, g, &gu).ok());
  // Create a unit below 南山社区.
  v1::UpsertUnitRequest u;
  u.set_request_id("u-1");
  auto* unit = u.mutable_unit();
  unit->set_unit_id("comm.longshui.nanshan.a");
  unit->set_name("南山社区第一网格");
  unit->set_kind(v1::UNIT_KIND_VILLAGE_COMMUNITY);
  unit->set_parent_unit_id("comm.longshui.nanshan");
  unit->set_active(true);
  v1::UpsertUnitResponse ur;
  ASSERT_TRUE(DCALL(UpsertUnit, kCenterToken, u, &ur).ok());
  EXPECT_EQ(ur.unit().version(), 1);
  u.set_request_id("u-1b");
  ExpectRefused(DCALL(UpsertUnit, kCenterToken, u, &ur),
                grpc::StatusCode::ALREADY_EXISTS);
  // Moving 南山社区 under its own child is a cycle; a stale version is refused.
  v1::UpsertUnitRequest mv;
  mv.set_request_id("u-2");
  *mv.mutable_unit() = gu.unit();
  mv.mutable_unit()->set_parent_unit_id("comm.longshui.nanshan.a");
  mv.set_expected_version(gu.unit().version());
  ExpectRefused(DCALL(UpsertUnit, kCenterToken, mv, &ur),
                grpc::StatusCode::FAILED_PRECONDITION, "cycle");
  mv.set_request_id("u-3");
  mv.mutable_unit()->set_parent_unit_id("town.longshui");
  mv.set_expected_version(gu.unit().version() + 5);
  ExpectRefused(DCALL(UpsertUnit, kCenterToken, mv, &ur),
                grpc::StatusCode::FAILED_PRECONDITION, "stale");
  // A unit lead changes its own liaison, nothing else; staff cannot.
  g.set_unit_id("town.longshui");
  ASSERT_TRUE(DCALL(GetUnit, kCenterToken, g, &gu).ok());
  v1::UpsertUnitRequest li;
  li.set_request_id("u-4");
  *li.mutable_unit() = gu.unit();
  li.mutable_unit()->mutable_liaison()->set_name("新联络员（示例）");
  li.mutable_unit()->mutable_liaison()->set_mobile("13900009999");
  li.set_expected_version(gu.unit().version());
  ExpectRefused(DCALL(UpsertUnit, kLongshuiStaff, li, &ur),
                grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(DCALL(UpsertUnit, kLongshuiLead, li, &ur).ok());
  EXPECT_EQ(ur.unit().version(), gu.unit().version() + 1);
  EXPECT_EQ(ur.unit().liaison().name(), "新联络员（示例）");
  v1::UpsertUnitRequest rn = li;
  rn.set_request_id("u-5");
  rn.mutable_unit()->set_name("改名");
  rn.set_expected_version(ur.unit().version());
  ExpectRefused(DCALL(UpsertUnit, kLongshuiLead, rn, &ur),
                grpc::StatusCode::PERMISSION_DENIED, "liaison");
  // Deactivating a unit that holds an open order is refused.
  std::string t = NewOrder(1);
  ASSERT_TRUE(Dispatch(t, "town.longshui").ok());
  v1::UpsertUnitRequest off = li;
  off.set_request_id("u-6");
  g.set_unit_id("town.longshui");
  ASSERT_TRUE(DCALL(GetUnit, kCenterToken, g, &gu).ok());
  *off.mutable_unit() = gu.unit();
  off.mutable_unit()->set_active(false);
  off.set_expected_version(gu.unit().version());
  ExpectRefused(DCALL(UpsertUnit, kCenterToken, off, &ur),
                grpc::StatusCode::FAILED_PRECONDITION, "1 open orders");
}

TEST_F(RoutingIT, DutyRoster) {
  v1::SetDutyRequest d;
  d.set_request_id("duty-1");
  d.set_unit_id("town.longshui");
  auto* e = d.add_entries();
  e->set_date("2024-02-09");
  e->mutable_leader()->set_name("陈副镇长（示例）");
  e->mutable_leader()->set_title("副镇长");
  e->mutable_leader()->set_mobile("13900001111");
  auto* e2 = d.add_entries();
  e2->set_date("2024-02-10");
  e2->mutable_leader()->set_name("刘镇长（示例）");
  e2->mutable_leader()->set_mobile("13900002222");
  v1::SetDutyResponse dr;
  ASSERT_TRUE(DCALL(SetDuty, kLongshuiStaff, d, &dr).ok());
  EXPECT_EQ(dr.entries_size(), 2);
  v1::GetDutyRequest q;
  q.set_unit_id("town.longshui");
  q.set_from_date("2024-02-01");
  q.set_to_date("2024-02-29");
  v1::GetDutyResponse qr;
  ASSERT_TRUE(DCALL(GetDuty, kServiceToken, q, &qr).ok());
  ASSERT_EQ(qr.entries_size(), 2);
  EXPECT_EQ(qr.entries(0).leader().name(), "陈副镇长（示例）");
  // Clearing a date.
  v1::SetDutyRequest clr;
  clr.set_request_id("duty-2");
  clr.set_unit_id("town.longshui");
  clr.add_entries()->set_date("2024-02-10");
  ASSERT_TRUE(DCALL(SetDuty, kCenterToken, clr, &dr).ok());
  ASSERT_TRUE(DCALL(GetDuty, kServiceToken, q, &qr).ok());
  EXPECT_EQ(qr.entries_size(), 1);
  // Refusals.
  d.set_request_id("duty-3");
  ExpectRefused(DCALL(SetDuty, kLonggangStaff, d, &dr),
                grpc::StatusCode::PERMISSION_DENIED);
  d.mutable_entries(1)->set_date("2024-02-09");
  ExpectRefused(DCALL(SetDuty, kLongshuiStaff, d, &dr),
                grpc::StatusCode::INVALID_ARGUMENT, "entries[1].date");
  d.mutable_entries(1)->set_date("2024-02-30");
  ExpectRefused(DCALL(SetDuty, kLongshuiStaff, d, &dr),
                grpc::StatusCode::INVALID_ARGUMENT, "entries[1].date");
  q.set_to_date("2025-03-01");
  ExpectRefused(DCALL(GetDuty, kServiceToken, q, &qr),
                grpc::StatusCode::INVALID_ARGUMENT, "to_date");
}

// ------------------------------------------------------------- catalogue

TEST_F(RoutingIT, CatalogueSuggestsAndDispatchesAutomatically) {
  v1::UpsertRuleRequest r;
  r.set_request_id("rule-1");
  auto* rule = r.mutable_rule();
  rule->set_name("交通类事项交区交通局");
  rule->add_category_codes("交通");
  rule->set_unit_id("dept.transport");
  rule->set_priority(800);
  rule->set_automatic(true);
  rule->set_active(true);
  v1::UpsertRuleResponse rr;
  ASSERT_TRUE(DCALL(UpsertRule, kCenterToken, r, &rr).ok());
  const std::string auto_rule = rr.rule().rule_id();
  EXPECT_EQ(rr.rule().version(), 1);
  r.set_request_id("rule-2");
  rule->set_name("物业管理交属地镇街");
  rule->clear_category_codes();
  rule->add_category_codes("城乡建设/物业管理");
  rule->add_area_codes("town.longshui");
  rule->set_unit_id("town.longshui");
  rule->add_co_unit_ids("dept.housing");
  rule->set_priority(300);
  rule->set_automatic(false);
  ASSERT_TRUE(DCALL(UpsertRule, kCenterToken, r, &rr).ok());
  const std::string manual_rule = rr.rule().rule_id();
  // Refusals: unknown unit, not first level, unit staff.
  r.set_request_id("rule-3");
  rule->set_unit_id("comm.longshui.nanshan");
  ExpectRefused(DCALL(UpsertRule, kCenterToken, r, &rr),
                grpc::StatusCode::INVALID_ARGUMENT, "rule.unit_id");
  rule->set_unit_id("dept.none");
  ExpectRefused(DCALL(UpsertRule, kCenterToken, r, &rr),
                grpc::StatusCode::NOT_FOUND, "rule.unit_id");
  ExpectRefused(DCALL(UpsertRule, kLongshuiLead, r, &rr),
                grpc::StatusCode::PERMISSION_DENIED);

  // A traffic order is dispatched automatically by the rule.
  std::string t1 = NewOrder(1, "交通/道路设施", "town.longgang");
  v1::Assignment a = Get(t1);
  EXPECT_EQ(a.status(), v1::TICKET_STATUS_DISPATCHED);
  EXPECT_EQ(a.holder_unit_id(), "dept.transport");
  v1::GetAssignmentHistoryRequest h;
  h.set_ticket_id(t1);
  v1::GetAssignmentHistoryResponse hr;
  ASSERT_TRUE(RCALL(GetAssignmentHistory, kCenterToken, h, &hr).ok());
  ASSERT_EQ(hr.events_size(), 1);
  EXPECT_TRUE(hr.events(0).dispatched().automatic());
  EXPECT_EQ(hr.events(0).dispatched().rule_id(), auto_rule);
  EXPECT_EQ(hr.events(0).actor().principal_id(), "system");
  EXPECT_EQ(hr.events(0).seq(), 1);

  // A property order waits in the queue with the suggestion.
  std::string t2 = NewOrder(2);
  EXPECT_EQ(Get(t2).status(), v1::TICKET_STATUS_RECEIVED);
  EXPECT_EQ(Events(t2), 0);
  v1::ListCenterQueueRequest q;
  v1::ListCenterQueueResponse qr;
  ASSERT_TRUE(RCALL(ListCenterQueue, kCenterToken, q, &qr).ok());
  ASSERT_EQ(qr.items_size(), 1);
  EXPECT_EQ(qr.items(0).reason(), v1::QUEUE_REASON_NEW);
  ASSERT_EQ(qr.items(0).suggestion().candidates_size(), 1);
  EXPECT_EQ(qr.items(0).suggestion().candidates(0).rule_id(), manual_rule);
  EXPECT_EQ(qr.items(0).suggestion().candidates(0).co_unit_ids(0),
            "dept.housing");
  EXPECT_FALSE(qr.items(0).suggestion().automatic());

  // By order, for the center.
  v1::SuggestDispatchRequest byorder;
  byorder.set_ticket_id(t2);
  v1::SuggestDispatchResponse bo;
  ASSERT_TRUE(RCALL(SuggestDispatch, kCenterToken, byorder, &bo).ok());
  ASSERT_EQ(bo.suggestion().candidates_size(), 1);
  EXPECT_EQ(bo.suggestion().candidates(0).unit_id(), "town.longshui");
  EXPECT_THAT(bo.suggestion().candidates(0).explanation(),
              HasSubstr("area town.longshui"));
  byorder.set_ticket_id("tkt-none");
  ExpectRefused(RCALL(SuggestDispatch, kCenterToken, byorder, &bo),
                grpc::StatusCode::NOT_FOUND);
  // Ad-hoc facts for an agent on the phone.
  v1::SuggestDispatchRequest s;
  s.mutable_facts()->set_category_code("交通/公交");
  v1::SuggestDispatchResponse sr;
  ASSERT_TRUE(RCALL(SuggestDispatch, kAgentToken, s, &sr).ok());
  EXPECT_TRUE(sr.suggestion().automatic());
  EXPECT_EQ(sr.suggestion().candidates(0).unit_id(), "dept.transport");
  s.Clear();
  ExpectRefused(RCALL(SuggestDispatch, kAgentToken, s, &sr),
                grpc::StatusCode::INVALID_ARGUMENT, "subject");
  ExpectRefused(RCALL(SuggestDispatch, kLongshuiStaff, s, &sr),
                grpc::StatusCode::PERMISSION_DENIED);

  // ListRules / DeleteRule; a unit sees the rules that target its subtree.
  v1::ListRulesRequest lr;
  v1::ListRulesResponse lrr;
  ASSERT_TRUE(DCALL(ListRules, kAgentToken, lr, &lrr).ok());
  ASSERT_EQ(lrr.rules_size(), 2);
  EXPECT_EQ(lrr.rules(0).rule_id(), auto_rule);  // highest priority first
  ASSERT_TRUE(DCALL(ListRules, kHousingStaff, lr, &lrr).ok());
  ASSERT_EQ(lrr.rules_size(), 1);
  EXPECT_EQ(lrr.rules(0).rule_id(), manual_rule);
  v1::DeleteRuleRequest del;
  del.set_request_id("del-1");
  del.set_rule_id(auto_rule);
  v1::DeleteRuleResponse delr;
  ASSERT_TRUE(DCALL(DeleteRule, kCenterToken, del, &delr).ok());
  ASSERT_TRUE(DCALL(DeleteRule, kCenterToken, del, &delr).ok());  // replay
  del.set_request_id("del-2");
  ExpectRefused(DCALL(DeleteRule, kCenterToken, del, &delr),
                grpc::StatusCode::NOT_FOUND);
  std::string t3 = NewOrder(3, "交通/道路设施", "town.longgang");
  EXPECT_EQ(Get(t3).status(), v1::TICKET_STATUS_RECEIVED);

  // Closed at intake: routing never queues it.
  v1::TicketEvent closed = Created("tkt-9", 9, "交通", "town.longgang", Now());
  closed.mutable_ticket_created()->set_closed_at_intake(true);
  ASSERT_TRUE(c_->Publish({closed}, "intake").ok());
  v1::GetAssignmentRequest ga;
  ga.set_ticket_id("tkt-9");
  v1::GetAssignmentResponse gr;
  ExpectRefused(RCALL(GetAssignment, kCenterToken, ga, &gr),
                grpc::StatusCode::NOT_FOUND);
}

// ---------------------------------------------------------- transitions

TEST_F(RoutingIT, DispatchAcceptForwardReplyReviewApprove) {
  std::string t = NewOrder(1);
  // Refusals of Dispatch.
  ExpectRefused(Dispatch(t, "town.longshui", "", {}, kLongshuiStaff),
                grpc::StatusCode::PERMISSION_DENIED);
  ExpectRefused(Dispatch(t, "comm.longshui.nanshan"),
                grpc::StatusCode::INVALID_ARGUMENT, "unit_id");
  ExpectRefused(Dispatch(t, "town.nowhere"), grpc::StatusCode::NOT_FOUND);
  ExpectRefused(Dispatch(t, "town.longshui", "", {"town.longshui"}),
                grpc::StatusCode::INVALID_ARGUMENT, "co_unit_ids[0]");
  ExpectRefused(Dispatch("tkt-none", "town.longshui"),
                grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Events(t), 0);

  ASSERT_TRUE(Dispatch(t, "town.longshui").ok());
  EXPECT_EQ(Events(t), 1);
  // Only the holder accepts.
  ExpectRefused(Accept(t, kLonggangStaff), grpc::StatusCode::PERMISSION_DENIED);
  ExpectRefused(Accept(t, kNanshanStaff), grpc::StatusCode::PERMISSION_DENIED);
  ExpectRefused(Accept(t, kCenterToken), grpc::StatusCode::PERMISSION_DENIED);
  // Not accepted yet: no reply.
  ExpectRefused(Reply(t, kLongshuiStaff), grpc::StatusCode::FAILED_PRECONDITION,
                "is DISPATCHED, held by town.longshui");
  ASSERT_TRUE(Accept(t, kLongshuiStaff).ok());
  ExpectRefused(Accept(t, kLongshuiStaff),
                grpc::StatusCode::FAILED_PRECONDITION,
                "is ACCEPTED, held by town.longshui");
  // Forward: not sideways, not up, not to another town's community.
  ExpectRefused(Forward(t, "town.longgang", kLongshuiStaff),
                grpc::StatusCode::FAILED_PRECONDITION, "not below");
  ExpectRefused(Forward(t, "comm.longgang.beichan", kLongshuiStaff),
                grpc::StatusCode::FAILED_PRECONDITION, "not below");
  ExpectRefused(Forward(t, "center", kLongshuiStaff),
                grpc::StatusCode::FAILED_PRECONDITION);
  ExpectRefused(Forward(t, "comm.longshui.nanshan", kNanshanStaff),
                grpc::StatusCode::PERMISSION_DENIED);
  ExpectRefused(Forward(t, "Bad Id", kLongshuiStaff),
                grpc::StatusCode::INVALID_ARGUMENT, "to_unit_id");
  EXPECT_EQ(Events(t), 2);
  ASSERT_TRUE(Forward(t, "comm.longshui.nanshan", kLongshuiLead).ok());
  EXPECT_EQ(Get(t).holder_unit_id(), "comm.longshui.nanshan");
  ASSERT_TRUE(Accept(t, kNanshanStaff).ok());
  // Reply: the four checks of 5(2) and the contact time.
  v1::ReplyRequest bad = ReplyReq(t);
  bad.mutable_checks()->set_source_checked(false);
  v1::ReplyResponse rr;
  ExpectRefused(RCALL(Reply, kNanshanStaff, bad, &rr),
                grpc::StatusCode::INVALID_ARGUMENT, "checks.source_checked");
  bad = ReplyReq(t);
  *bad.mutable_contacted_at() = ToProto(Now() + absl::Hours(1));
  ExpectRefused(RCALL(Reply, kNanshanStaff, bad, &rr),
                grpc::StatusCode::INVALID_ARGUMENT, "contacted_at");
  bad = ReplyReq(t);  // before the order was received
  *bad.mutable_contacted_at() = ToProto(Now() - absl::Hours(24 * 365));
  ExpectRefused(RCALL(Reply, kNanshanStaff, bad, &rr),
                grpc::StatusCode::INVALID_ARGUMENT, "contacted_at");
  bad = ReplyReq(t);
  bad.set_text("  ");
  ExpectRefused(RCALL(Reply, kNanshanStaff, bad, &rr),
                grpc::StatusCode::INVALID_ARGUMENT, "text");
  ExpectRefused(Reply(t, kLongshuiStaff), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Events(t), 4);
  std::string reply_id;
  ASSERT_TRUE(Reply(t, kNanshanStaff, &reply_id).ok());
  EXPECT_EQ(Get(t).status(), v1::TICKET_STATUS_REPLIED);
  // Review: center only; reasons required on rejection; latest reply only.
  ExpectRefused(Review(t, reply_id, true, kLongshuiLead),
                grpc::StatusCode::PERMISSION_DENIED);
  v1::ReviewRequest noreason;
  noreason.set_request_id("rev-x");
  noreason.set_ticket_id(t);
  noreason.set_reply_id(reply_id);
  v1::ReviewResponse vr;
  ExpectRefused(RCALL(Review, kCenterToken, noreason, &vr),
                grpc::StatusCode::INVALID_ARGUMENT, "reasons");
  ExpectRefused(Review(t, "rpl-old", true),
                grpc::StatusCode::FAILED_PRECONDITION, "not the latest");
  ASSERT_TRUE(Review(t, reply_id, false).ok());
  v1::Assignment a = Get(t);
  EXPECT_EQ(a.status(), v1::TICKET_STATUS_REHANDLING);
  EXPECT_EQ(a.holder_unit_id(), "comm.longshui.nanshan");
  EXPECT_EQ(a.rehandling_round(), 1);
  ExpectRefused(Return(t, kNanshanStaff), grpc::StatusCode::FAILED_PRECONDITION,
                "is REHANDLING, held by comm.longshui.nanshan");
  ASSERT_TRUE(Reply(t, kNanshanStaff, &reply_id).ok());
  ASSERT_TRUE(Review(t, reply_id, true).ok());
  EXPECT_EQ(Get(t).status(), v1::TICKET_STATUS_AWAITING_EVALUATION);
  ExpectRefused(Dispatch(t, "town.longgang", "改派"),
                grpc::StatusCode::FAILED_PRECONDITION, "AWAITING_EVALUATION");

  // History: every routing event, seq 1..n in order.
  v1::GetAssignmentHistoryRequest h;
  h.set_ticket_id(t);
  v1::GetAssignmentHistoryResponse hr;
  ASSERT_TRUE(RCALL(GetAssignmentHistory, kLongshuiStaff, h, &hr).ok());
  ASSERT_EQ(hr.events_size(), 8);
  std::vector<v1::TicketEvent::PayloadCase> kinds;
  for (int i = 0; i < hr.events_size(); ++i) {
    EXPECT_EQ(hr.events(i).seq(), i + 1);
    EXPECT_EQ(hr.events(i).producer(), "routing");
    EXPECT_EQ(hr.events(i).ticket_number(), "DZ20240208-100001");
    kinds.push_back(hr.events(i).payload_case());
  }
  using P = v1::TicketEvent;
  EXPECT_THAT(
      kinds, ::testing::ElementsAre(P::kDispatched, P::kAccepted, P::kForwarded,
                                    P::kAccepted, P::kReplied, P::kReviewed,
                                    P::kReplied, P::kReviewed));
  EXPECT_EQ(hr.events(4).replied().unit_id(), "comm.longshui.nanshan");
  EXPECT_EQ(hr.events(6).replied().rehandling_round(), 1);
  EXPECT_EQ(hr.events(1).actor().role(), v1::UNIT_STAFF);
  EXPECT_EQ(hr.events(1).actor().unit_id(), "town.longshui");

  // The callback closes it.
  v1::TicketEvent ev;
  ev.set_event_id("assessment-1");
  ev.set_ticket_id(t);
  ev.set_seq(1);
  *ev.mutable_occurred_at() = ToProto(Now());
  ev.set_producer("assessment");
  ev.set_ticket_number("DZ20240208-100001");
  ev.mutable_evaluation_recorded()->set_unit_id("comm.longshui.nanshan");
  ev.mutable_evaluation_recorded()->set_reached(true);
  ev.mutable_evaluation_recorded()->set_satisfaction(
      v1::SATISFACTION_SATISFIED);
  ASSERT_TRUE(c_->Publish({ev}, "assessment").ok());
  EXPECT_EQ(Get(t).status(), v1::TICKET_STATUS_CLOSED);
  EXPECT_EQ(Events(t), 9);
}

TEST_F(RoutingIT, ReturnLevelByLevelAndRedispatch) {
  std::string t = NewOrder(1);
  ASSERT_TRUE(Dispatch(t, "dept.urban").ok());
  ASSERT_TRUE(Forward(t, "sec.urban.shirong", kUrbanStaff).ok());
  ExpectRefused(Return(t, kUrbanStaff), grpc::StatusCode::PERMISSION_DENIED);
  v1::ReturnRequest empty;
  empty.set_request_id("ret-empty");
  empty.set_ticket_id(t);
  v1::ReturnResponse rr;
  ExpectRefused(RCALL(Return, kShirongStaff, empty, &rr),
                grpc::StatusCode::INVALID_ARGUMENT, "reason");
  ASSERT_TRUE(Return(t, kShirongStaff, "不属于市容管理范围").ok());
  v1::Assignment a = Get(t);
  EXPECT_EQ(a.status(), v1::TICKET_STATUS_RETURNED);
  EXPECT_EQ(a.holder_unit_id(), "dept.urban");
  // The department may take it on again, or return it further.
  ASSERT_TRUE(Return(t, kUrbanStaff, "属物业管理，非城管职责").ok());
  a = Get(t);
  EXPECT_EQ(a.holder_unit_id(), "center");
  ExpectRefused(Accept(t, kUrbanStaff), grpc::StatusCode::PERMISSION_DENIED);
  v1::ListCenterQueueRequest q;
  q.add_reasons(v1::QUEUE_REASON_RETURNED);
  v1::ListCenterQueueResponse qr;
  ASSERT_TRUE(RCALL(ListCenterQueue, kCenterToken, q, &qr).ok());
  ASSERT_EQ(qr.items_size(), 1);
  EXPECT_EQ(qr.items(0).assignment().ticket_id(), t);
  ASSERT_TRUE(Dispatch(t, "dept.housing").ok());
  v1::GetAssignmentHistoryRequest h;
  h.set_ticket_id(t);
  v1::GetAssignmentHistoryResponse hr;
  ASSERT_TRUE(RCALL(GetAssignmentHistory, kCenterToken, h, &hr).ok());
  ASSERT_EQ(hr.events_size(), 5);
  EXPECT_EQ(hr.events(2).returned().to_unit_id(), "dept.urban");
  EXPECT_FALSE(hr.events(2).returned().reached_center());
  EXPECT_TRUE(hr.events(3).returned().reached_center());
  const auto& rd = hr.events(4).redispatched();
  EXPECT_EQ(rd.cause(), v1::REDISPATCH_CAUSE_RETURNED);
  EXPECT_EQ(rd.previous_unit_id(), "dept.urban");
  EXPECT_EQ(rd.dispatch().dispatch_round(), 2);
  EXPECT_EQ(Get(t).dispatch_round(), 2);
  // 改派 of an order a unit holds needs a reason.
  ExpectRefused(Dispatch(t, "town.longshui"),
                grpc::StatusCode::INVALID_ARGUMENT, "reason");
  ASSERT_TRUE(Dispatch(t, "town.longshui", "按属地原则改派").ok());
  ASSERT_TRUE(RCALL(GetAssignmentHistory, kCenterToken, h, &hr).ok());
  EXPECT_EQ(hr.events(5).redispatched().cause(),
            v1::REDISPATCH_CAUSE_REASSIGNED);
  // The auditor reads it; an agent may not.
  v1::GetAssignmentRequest ga;
  ga.set_ticket_id(t);
  v1::GetAssignmentResponse gar;
  EXPECT_TRUE(RCALL(GetAssignment, kAuditorToken, ga, &gar).ok());
  ExpectRefused(RCALL(GetAssignment, kAgentToken, ga, &gar),
                grpc::StatusCode::PERMISSION_DENIED);
  // The earlier holder's subtree still sees the order it held.
  v1::GetAssignmentRequest g;
  g.set_ticket_id(t);
  v1::GetAssignmentResponse gr;
  EXPECT_TRUE(RCALL(GetAssignment, kShirongStaff, g, &gr).ok());
  ExpectRefused(RCALL(GetAssignment, kLonggangStaff, g, &gr),
                grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(RoutingIT, DisputeUpheldAndGranted) {
  std::string t = NewOrder(1);
  ASSERT_TRUE(Dispatch(t, "town.longshui").ok());
  ExpectRefused(Dispute(t, kLonggangStaff),
                grpc::StatusCode::PERMISSION_DENIED);
  std::string id;
  ASSERT_TRUE(Dispute(t, kLongshuiStaff, &id).ok());
  ASSERT_FALSE(id.empty());
  ExpectRefused(Accept(t, kLongshuiStaff),
                grpc::StatusCode::FAILED_PRECONDITION, "is DISPUTED");
  v1::ListCenterQueueRequest q;
  q.add_reasons(v1::QUEUE_REASON_DISPUTED);
  v1::ListCenterQueueResponse qr;
  ASSERT_TRUE(RCALL(ListCenterQueue, kCenterToken, q, &qr).ok());
  ASSERT_EQ(qr.items_size(), 1);
  EXPECT_EQ(qr.items(0).assignment().open_dispute().suggested_unit_id(),
            "dept.housing");
  ExpectRefused(
      Decide(t, id, v1::DISPUTE_OUTCOME_DISPATCH_UPHELD, kLongshuiLead),
      grpc::StatusCode::PERMISSION_DENIED);
  ExpectRefused(Decide(t, "dsp-other", v1::DISPUTE_OUTCOME_DISPATCH_UPHELD),
                grpc::StatusCode::FAILED_PRECONDITION);
  ExpectRefused(Decide(t, id, v1::DISPUTE_OUTCOME_UNSPECIFIED),
                grpc::StatusCode::INVALID_ARGUMENT, "outcome");
  ASSERT_TRUE(Decide(t, id, v1::DISPUTE_OUTCOME_DISPATCH_UPHELD).ok());
  EXPECT_EQ(Get(t).status(), v1::TICKET_STATUS_ACCEPTED);
  ExpectRefused(Dispute(t, kLongshuiStaff),
                grpc::StatusCode::FAILED_PRECONDITION, "already");
  ExpectRefused(Return(t, kLongshuiStaff),
                grpc::StatusCode::FAILED_PRECONDITION, "upheld");
  ExpectRefused(Decide(t, id, v1::DISPUTE_OUTCOME_DISPATCH_UPHELD),
                grpc::StatusCode::FAILED_PRECONDITION, "no open dispute");

  std::string t2 = NewOrder(2);
  ASSERT_TRUE(Dispatch(t2, "dept.urban").ok());
  ASSERT_TRUE(Forward(t2, "sec.urban.shirong", kUrbanStaff).ok());
  ExpectRefused(Dispute(t2, kShirongStaff),
                grpc::StatusCode::FAILED_PRECONDITION, "first-level");
  ASSERT_TRUE(Return(t2, kShirongStaff).ok());
  ASSERT_TRUE(Accept(t2, kUrbanStaff).ok());
  ASSERT_TRUE(Dispute(t2, kUrbanStaff, &id).ok());
  ASSERT_TRUE(Decide(t2, id, v1::DISPUTE_OUTCOME_DISPUTE_GRANTED).ok());
  v1::Assignment a = Get(t2);
  EXPECT_EQ(a.status(), v1::TICKET_STATUS_RETURNED);
  EXPECT_EQ(a.holder_unit_id(), "center");
  ASSERT_TRUE(Dispatch(t2, "dept.housing").ok());
  v1::GetAssignmentHistoryRequest h;
  h.set_ticket_id(t2);
  v1::GetAssignmentHistoryResponse hr;
  ASSERT_TRUE(RCALL(GetAssignmentHistory, kCenterToken, h, &hr).ok());
  const auto& last = hr.events(hr.events_size() - 1);
  EXPECT_EQ(last.redispatched().cause(), v1::REDISPATCH_CAUSE_DISPUTE_GRANTED);
  const auto& decided = hr.events(hr.events_size() - 2).dispute_decided();
  EXPECT_EQ(decided.outcome(), v1::DISPUTE_OUTCOME_DISPUTE_GRANTED);
  EXPECT_EQ(decided.unit_id(), "dept.urban");
}

TEST_F(RoutingIT, CoUnitsGiveInputOnceAndTheLeadRepliesOnce) {
  std::string t = NewOrder(1);
  ASSERT_TRUE(Dispatch(t, "town.longshui", "", {"dept.housing"}).ok());
  v1::AddCoUnitsRequest add;
  add.set_request_id("add-1");
  add.set_ticket_id(t);
  add.add_co_unit_ids("dept.urban");
  add.set_note("涉及占道经营");
  v1::AddCoUnitsResponse ar;
  ExpectRefused(RCALL(AddCoUnits, kLongshuiLead, add, &ar),
                grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(RCALL(AddCoUnits, kCenterToken, add, &ar).ok());
  EXPECT_EQ(ar.assignment().co_units_size(), 2);
  add.set_request_id("add-2");
  ExpectRefused(RCALL(AddCoUnits, kCenterToken, add, &ar),
                grpc::StatusCode::INVALID_ARGUMENT, "already a co-unit");
  add.set_request_id("add-3");
  add.set_co_unit_ids(0, "sec.urban.shirong");
  ExpectRefused(RCALL(AddCoUnits, kCenterToken, add, &ar),
                grpc::StatusCode::INVALID_ARGUMENT, "first-level");
  ASSERT_TRUE(Accept(t, kLongshuiStaff).ok());
  ExpectRefused(Reply(t, kLongshuiStaff), grpc::StatusCode::FAILED_PRECONDITION,
                "dept.housing, dept.urban");
  // Co-unit input: work lists show it as due.
  v1::ListWorkRequest w;
  v1::ListWorkResponse wr;
  ASSERT_TRUE(RCALL(ListWork, kHousingStaff, w, &wr).ok());
  ASSERT_EQ(wr.items_size(), 1);
  EXPECT_EQ(wr.items(0).reason(), v1::WORK_REASON_CO_OPINION_DUE);
  v1::SubmitCoOpinionRequest op;
  op.set_request_id("op-1");
  op.set_ticket_id(t);
  op.set_opinion("经核查，该小区物业服务企业已列入整改名单。");
  v1::SubmitCoOpinionResponse opr;
  ExpectRefused(RCALL(SubmitCoOpinion, kLonggangStaff, op, &opr),
                grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(RCALL(SubmitCoOpinion, kHousingStaff, op, &opr).ok());
  op.set_request_id("op-2");
  ExpectRefused(RCALL(SubmitCoOpinion, kHousingStaff, op, &opr),
                grpc::StatusCode::FAILED_PRECONDITION, "already");
  op.set_request_id("op-3");
  ASSERT_TRUE(
      RCALL(SubmitCoOpinion, kShirongStaff, op, &opr).ok());  // for dept.urban
  ASSERT_TRUE(RCALL(ListWork, kHousingStaff, w, &wr).ok());
  EXPECT_EQ(wr.items_size(), 0);
  // Only the lead's subtree replies.
  ExpectRefused(Reply(t, kHousingStaff), grpc::StatusCode::PERMISSION_DENIED);
  std::string reply_id;
  ASSERT_TRUE(Reply(t, kLongshuiStaff, &reply_id).ok());
  ExpectRefused(Reply(t, kLongshuiStaff), grpc::StatusCode::FAILED_PRECONDITION,
                "is REPLIED");
  op.set_request_id("op-4");
  ExpectRefused(RCALL(SubmitCoOpinion, kHousingStaff, op, &opr),
                grpc::StatusCode::FAILED_PRECONDITION);
  // Rejected: a new rehandling round asks the co-units again.
  ASSERT_TRUE(Review(t, reply_id, false).ok());
  ExpectRefused(Reply(t, kLongshuiStaff), grpc::StatusCode::FAILED_PRECONDITION,
                "co-unit input missing");
  ASSERT_TRUE(RCALL(SubmitCoOpinion, kHousingStaff, op, &opr).ok());
  EXPECT_EQ(Events(t), 8);
}

// 第七条 for co-units (协办) and 第六条(二): a co-unit acknowledges its part
// with Accept; the center releases a co-unit so that the lead unit need not
// wait for it.
TEST_F(RoutingIT, CoUnitAcceptsItsPartAndTheCenterReleasesACoUnit) {
  std::string t = NewOrder(1);
  ASSERT_TRUE(
      Dispatch(t, "town.longshui", "", {"dept.housing", "dept.urban"}).ok());
  ASSERT_TRUE(svc_->clock().Advance(absl::Hours(1)).ok());
  const absl::Time accepted_at = Now();

  // The co-unit acknowledges: holder and status unchanged.
  v1::AcceptRequest acc;
  acc.set_request_id("co-acc-1");
  acc.set_ticket_id(t);
  v1::AcceptResponse first, again;
  ASSERT_TRUE(RCALL(Accept, kHousingStaff, acc, &first).ok());
  const v1::Assignment& a = first.assignment();
  EXPECT_EQ(a.status(), v1::TICKET_STATUS_DISPATCHED);
  EXPECT_EQ(a.holder_unit_id(), "town.longshui");
  ASSERT_EQ(a.co_units_size(), 2);
  EXPECT_EQ(a.co_units(0).unit_id(), "dept.housing");
  EXPECT_TRUE(a.co_units(0).accepted());
  EXPECT_EQ(FromProto(a.co_units(0).accepted_at()), accepted_at);
  EXPECT_FALSE(a.co_units(1).accepted());
  EXPECT_EQ(Events(t), 2);
  // Replayed later: the first answer, nothing written.
  ASSERT_TRUE(svc_->clock().Advance(absl::Minutes(5)).ok());
  ASSERT_TRUE(RCALL(Accept, kHousingStaff, acc, &again).ok());
  EXPECT_EQ(again.SerializeAsString(), first.SerializeAsString());
  EXPECT_EQ(Events(t), 2);
  // Twice in the round, or by a unit that is neither holder nor co-unit.
  acc.set_request_id("co-acc-2");
  ExpectRefused(RCALL(Accept, kHousingStaff, acc, &again),
                grpc::StatusCode::FAILED_PRECONDITION,
                "is DISPATCHED, held by town.longshui; co-unit dept.housing "
                "already accepted");
  acc.set_request_id("co-acc-3");
  ExpectRefused(RCALL(Accept, kLonggangStaff, acc, &again),
                grpc::StatusCode::PERMISSION_DENIED);
  // The holder's own accept is unchanged.
  ASSERT_TRUE(Accept(t, kLongshuiStaff).ok());
  EXPECT_EQ(Get(t).status(), v1::TICKET_STATUS_ACCEPTED);
  EXPECT_EQ(Events(t), 3);

  // ReleaseCoUnit: the center only; wire input checked field by field.
  const std::string reason = "经核实不涉及占道经营，城管局无需协办";
  v1::ReleaseCoUnitRequest rel;
  rel.set_request_id("rel-1");
  rel.set_ticket_id(t);
  rel.set_co_unit_id("dept.urban");
  rel.set_reason(reason);
  v1::ReleaseCoUnitResponse rr, rr2;
  ExpectRefused(RCALL(ReleaseCoUnit, kUrbanStaff, rel, &rr),
                grpc::StatusCode::PERMISSION_DENIED);
  ExpectRefused(RCALL(ReleaseCoUnit, kLongshuiLead, rel, &rr),
                grpc::StatusCode::PERMISSION_DENIED);
  struct Bad {
    std::string field;
    std::function<void(v1::ReleaseCoUnitRequest&)> spoil;
  };
  const std::vector<Bad> bads = {
      {"request_id", [](auto& r) { r.clear_request_id(); }},
      {"ticket_id", [](auto& r) { r.set_ticket_id("工单 1"); }},
      {"co_unit_id", [](auto& r) { r.clear_co_unit_id(); }},
      {"co_unit_id", [](auto& r) { r.set_co_unit_id("城管局"); }},
      {"reason", [](auto& r) { r.clear_reason(); }},
      {"reason", [](auto& r) { r.set_reason("   "); }},
      {"reason",
       [](auto& r) {
         std::string long_reason;
         for (int i = 0; i < 342; ++i) long_reason += "协";  // 1026 bytes
         r.set_reason(long_reason);
       }},
  };
  for (size_t i = 0; i < bads.size(); ++i) {
    v1::ReleaseCoUnitRequest b = rel;
    b.set_request_id(absl::StrCat("rel-bad-", i));
    bads[i].spoil(b);
    grpc::Status st = RCALL(ReleaseCoUnit, kCenterToken, b, &rr);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << bads[i].field << ": " << st.error_message();
    EXPECT_THAT(st.error_message(), StartsWith(bads[i].field + ":"))
        << bads[i].field;
  }
  EXPECT_EQ(Scalar("SELECT COUNT(*) FROM idempotency_log WHERE request_id LIKE "
                   "'rel-%'"),
            0);
  v1::ReleaseCoUnitRequest unknown = rel;
  unknown.set_request_id("rel-unknown");
  unknown.set_ticket_id("tkt-none");
  ExpectRefused(RCALL(ReleaseCoUnit, kCenterToken, unknown, &rr),
                grpc::StatusCode::NOT_FOUND, "ticket_id");
  v1::ReleaseCoUnitRequest not_co = rel;
  not_co.set_request_id("rel-not-co");
  not_co.set_co_unit_id("town.longgang");
  ExpectRefused(RCALL(ReleaseCoUnit, kCenterToken, not_co, &rr),
                grpc::StatusCode::FAILED_PRECONDITION,
                "town.longgang is not a co-unit");
  EXPECT_EQ(Events(t), 3);
  EXPECT_FALSE(Get(t).co_units(1).released());

  // Released.
  ASSERT_TRUE(svc_->clock().Advance(absl::Hours(2)).ok());
  const absl::Time released_at = Now();
  ASSERT_TRUE(RCALL(ReleaseCoUnit, kCenterToken, rel, &rr).ok());
  const v1::CoUnit& urban = rr.assignment().co_units(1);
  EXPECT_EQ(urban.unit_id(), "dept.urban");
  EXPECT_TRUE(urban.released());
  EXPECT_EQ(urban.release_reason(), reason);
  EXPECT_EQ(FromProto(urban.released_at()), released_at);
  EXPECT_FALSE(rr.assignment().co_units(0).released());
  EXPECT_EQ(rr.assignment().status(), v1::TICKET_STATUS_ACCEPTED);
  EXPECT_EQ(rr.assignment().holder_unit_id(), "town.longshui");
  EXPECT_EQ(Events(t), 4);
  // Replay: the first answer, nothing written; the same id for another
  // request is ALREADY_EXISTS; a second release is refused.
  ASSERT_TRUE(svc_->clock().Advance(absl::Minutes(1)).ok());
  ASSERT_TRUE(RCALL(ReleaseCoUnit, kCenterToken, rel, &rr2).ok());
  EXPECT_EQ(rr2.SerializeAsString(), rr.SerializeAsString());
  v1::ReleaseCoUnitRequest other = rel;
  other.set_co_unit_id("dept.housing");
  ExpectRefused(RCALL(ReleaseCoUnit, kCenterToken, other, &rr2),
                grpc::StatusCode::ALREADY_EXISTS, "request_id");
  v1::ReleaseCoUnitRequest twice = rel;
  twice.set_request_id("rel-2");
  ExpectRefused(RCALL(ReleaseCoUnit, kCenterToken, twice, &rr2),
                grpc::StatusCode::FAILED_PRECONDITION,
                "is ACCEPTED, held by town.longshui; co-unit dept.urban "
                "already released");
  EXPECT_EQ(Events(t), 4);

  // A released co-unit neither accepts nor gives input, and leaves its
  // worklist; the lead no longer waits for it.
  acc.set_request_id("co-acc-urban");
  ExpectRefused(RCALL(Accept, kShirongStaff, acc, &again),
                grpc::StatusCode::FAILED_PRECONDITION, "released");
  v1::SubmitCoOpinionRequest op;
  op.set_request_id("op-urban");
  op.set_ticket_id(t);
  op.set_opinion("市容科意见：无异议");
  v1::SubmitCoOpinionResponse opr;
  ExpectRefused(RCALL(SubmitCoOpinion, kUrbanStaff, op, &opr),
                grpc::StatusCode::FAILED_PRECONDITION, "released");
  v1::ListWorkResponse wr;
  ASSERT_TRUE(RCALL(ListWork, kUrbanStaff, v1::ListWorkRequest(), &wr).ok());
  EXPECT_EQ(wr.items_size(), 0);
  ASSERT_TRUE(RCALL(ListWork, kHousingStaff, v1::ListWorkRequest(), &wr).ok());
  ASSERT_EQ(wr.items_size(), 1);
  EXPECT_EQ(wr.items(0).reason(), v1::WORK_REASON_CO_OPINION_DUE);
  ExpectRefused(Reply(t, kLongshuiStaff), grpc::StatusCode::FAILED_PRECONDITION,
                "co-unit input missing from dept.housing");
  op.set_request_id("op-housing");
  op.set_opinion("经核查，该小区物业服务企业已列入整改名单。");
  ASSERT_TRUE(RCALL(SubmitCoOpinion, kHousingStaff, op, &opr).ok());
  std::string reply_id;
  ASSERT_TRUE(Reply(t, kLongshuiStaff, &reply_id).ok());
  twice.set_request_id("rel-3");
  twice.set_co_unit_id("dept.housing");
  ExpectRefused(RCALL(ReleaseCoUnit, kCenterToken, twice, &rr2),
                grpc::StatusCode::FAILED_PRECONDITION, "is REPLIED");
  // A rejected review asks dept.housing again, not the released dept.urban.
  ASSERT_TRUE(Review(t, reply_id, false).ok());
  v1::Assignment back = Get(t);
  EXPECT_FALSE(back.co_units(0).opinion_submitted());
  EXPECT_TRUE(back.co_units(1).released());
  ASSERT_TRUE(RCALL(ListWork, kUrbanStaff, v1::ListWorkRequest(), &wr).ok());
  EXPECT_EQ(wr.items_size(), 0);

  // The outbox: one event per accepted call, with its payload.
  v1::GetAssignmentHistoryRequest h;
  h.set_ticket_id(t);
  v1::GetAssignmentHistoryResponse hr;
  ASSERT_TRUE(RCALL(GetAssignmentHistory, kCenterToken, h, &hr).ok());
  ASSERT_EQ(hr.events_size(), 7);
  EXPECT_EQ(Events(t), 7);
  const v1::TicketEvent& co_acc = hr.events(1);
  ASSERT_TRUE(co_acc.has_accepted());
  EXPECT_EQ(co_acc.accepted().unit_id(), "dept.housing");
  EXPECT_TRUE(co_acc.accepted().as_co_unit());
  EXPECT_EQ(co_acc.actor().unit_id(), "dept.housing");
  EXPECT_EQ(FromProto(co_acc.occurred_at()), accepted_at);
  const v1::TicketEvent& lead_acc = hr.events(2);
  ASSERT_TRUE(lead_acc.has_accepted());
  EXPECT_EQ(lead_acc.accepted().unit_id(), "town.longshui");
  EXPECT_FALSE(lead_acc.accepted().as_co_unit());
  const v1::TicketEvent& released = hr.events(3);
  ASSERT_TRUE(released.has_co_unit_released());
  EXPECT_EQ(released.co_unit_released().co_unit_id(), "dept.urban");
  EXPECT_EQ(released.co_unit_released().lead_unit_id(), "town.longshui");
  EXPECT_EQ(released.co_unit_released().reason(), reason);
  EXPECT_EQ(released.actor().role(), v1::CENTER_STAFF);
  EXPECT_EQ(FromProto(released.occurred_at()), released_at);
  EXPECT_EQ(released.seq(), 4);
  EXPECT_TRUE(hr.events(4).has_co_opinion_submitted());
  EXPECT_TRUE(hr.events(5).has_replied());
  EXPECT_TRUE(hr.events(6).has_reviewed());
}

TEST_F(RoutingIT, ConfidentialOrderRepliesViaCenter) {
  v1::TicketEvent e =
      Created("tkt-c", 7, "市场监管/举报", "town.longshui", Now());
  e.mutable_ticket_created()->set_request_type(v1::REQUEST_TYPE_REPORT);
  e.mutable_ticket_created()->set_confidential(true);
  ASSERT_TRUE(c_->Publish({e}, "intake").ok());
  ASSERT_TRUE(Dispatch("tkt-c", "dept.housing").ok());
  EXPECT_TRUE(Get("tkt-c").confidential());
  ASSERT_TRUE(Accept("tkt-c", kHousingStaff).ok());
  ExpectRefused(Reply("tkt-c", kHousingStaff),
                grpc::StatusCode::INVALID_ARGUMENT, "contact");
  v1::ReplyRequest r = ReplyReq("tkt-c");
  r.set_contact(v1::REPLY_CONTACT_VIA_CENTER);
  v1::ReplyResponse rr;
  ASSERT_TRUE(RCALL(Reply, kHousingStaff, r, &rr).ok());
  EXPECT_EQ(rr.assignment().latest_reply().contact(),
            v1::REPLY_CONTACT_VIA_CENTER);
  EXPECT_EQ(Events("tkt-c"), 3);
}

TEST_F(RoutingIT, IdempotentOnRequestId) {
  std::string t = NewOrder(1);
  v1::DispatchRequest req;
  req.set_request_id("same-id");
  req.set_ticket_id(t);
  req.set_unit_id("town.longshui");
  req.set_note("请尽快处理");
  v1::DispatchResponse first, again;
  ASSERT_TRUE(RCALL(Dispatch, kCenterToken, req, &first).ok());
  ASSERT_TRUE(svc_->clock().Advance(absl::Minutes(3)).ok());
  ASSERT_TRUE(RCALL(Dispatch, kCenterToken, req, &again).ok());
  EXPECT_EQ(first.SerializeAsString(), again.SerializeAsString());
  EXPECT_EQ(Events(t), 1);
  req.set_unit_id("town.longgang");
  ExpectRefused(RCALL(Dispatch, kCenterToken, req, &again),
                grpc::StatusCode::ALREADY_EXISTS, "request_id");
  v1::AcceptRequest acc;
  acc.set_request_id("same-id");
  acc.set_ticket_id(t);
  v1::AcceptResponse ar;
  ExpectRefused(RCALL(Accept, kLongshuiStaff, acc, &ar),
                grpc::StatusCode::ALREADY_EXISTS);
  acc.set_request_id("bad id with spaces");
  ExpectRefused(RCALL(Accept, kLongshuiStaff, acc, &ar),
                grpc::StatusCode::INVALID_ARGUMENT, "request_id");
  EXPECT_EQ(Events(t), 1);
  // A refusal is not remembered: the same id may succeed once the state allows.
  EXPECT_EQ(
      Scalar(
          "SELECT COUNT(*) FROM idempotency_log WHERE request_id = 'same-id'"),
      1);
}

TEST_F(RoutingIT, ConcurrentCallsOnOneOrder) {
  std::string t = NewOrder(1);
  ASSERT_TRUE(Dispatch(t, "town.longshui").ok());
  // Eight different accepts race: exactly one wins, one event.
  std::vector<grpc::Status> results(8);
  {
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i) {
      threads.emplace_back([&, i] {
        RoutingClient own(svc_->channel());
        v1::AcceptRequest req;
        req.set_request_id(absl::StrCat("race-", i));
        req.set_ticket_id(t);
        v1::AcceptResponse resp;
        results[i] =
            own.Call(own.routing.get(), &v1::RoutingService::Stub::Accept,
                     std::string(kLongshuiStaff), req, &resp);
      });
    }
    for (auto& th : threads) th.join();
  }
  int ok = 0;
  for (const auto& r : results) {
    if (r.ok()) {
      ++ok;
    } else {
      EXPECT_EQ(r.error_code(), grpc::StatusCode::FAILED_PRECONDITION)
          << r.error_message();
    }
  }
  EXPECT_EQ(ok, 1);
  EXPECT_EQ(Events(t), 2);
  // Eight retries of one request race: all get the same answer, one event.
  std::vector<std::string> answers(8);
  {
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i) {
      threads.emplace_back([&, i] {
        RoutingClient own(svc_->channel());
        v1::ForwardRequest req;
        req.set_request_id("same-forward");
        req.set_ticket_id(t);
        req.set_to_unit_id("comm.longshui.nanshan");
        v1::ForwardResponse resp;
        results[i] =
            own.Call(own.routing.get(), &v1::RoutingService::Stub::Forward,
                     std::string(kLongshuiStaff), req, &resp);
        answers[i] = resp.SerializeAsString();
      });
    }
    for (auto& th : threads) th.join();
  }
  for (int i = 0; i < 8; ++i) {
    EXPECT_TRUE(results[i].ok()) << results[i].error_message();
    EXPECT_EQ(answers[i], answers[0]);
  }
  EXPECT_EQ(Events(t), 3);
}

TEST_F(RoutingIT, UnauthenticatedAndWrongRoles) {
  std::string t = NewOrder(1);
  ExpectRefused(Dispatch(t, "town.longshui", "", {}, "no-such-token-1"),
                grpc::StatusCode::UNAUTHENTICATED);
  ExpectRefused(Dispatch(t, "town.longshui", "", {}, kAgentToken),
                grpc::StatusCode::PERMISSION_DENIED);
  ExpectRefused(Accept(t, kAuditorToken), grpc::StatusCode::PERMISSION_DENIED);
  v1::ListCenterQueueRequest q;
  v1::ListCenterQueueResponse qr;
  ExpectRefused(RCALL(ListCenterQueue, kLongshuiLead, q, &qr),
                grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Events(t), 0);
}

// ------------------------------------------------------------ worklists

TEST_F(RoutingIT, WorklistOrderedByDueFromDeadlineEvents) {
  std::vector<std::string> ts;
  for (int i = 1; i <= 4; ++i) {
    ts.push_back(NewOrder(i));
    ASSERT_TRUE(Dispatch(ts.back(), "town.longshui").ok());
  }
  ASSERT_TRUE(Forward(ts[3], "comm.longshui.nanshan", kLongshuiStaff).ok());
  // deadline reports handling clocks: ts[2] earliest, ts[0] latest, ts[1] none.
  const absl::Time base = Now();
  std::vector<v1::TicketEvent> evs;
  auto clock = [&](const std::string& t, int n, absl::Duration d) {
    v1::TicketEvent e;
    e.set_event_id(absl::StrCat("deadline-", t, "-", n));
    e.set_ticket_id(t);
    e.set_seq(n);
    *e.mutable_occurred_at() = ToProto(base);
    e.set_producer("deadline");
    e.set_ticket_number("DZ20240208-000000");
    auto* k = e.mutable_clock_started();
    k->set_clock_id(absl::StrCat("clk-", t, "-", n));
    k->set_kind(v1::CLOCK_KIND_HANDLING);
    k->set_unit_id("town.longshui");
    k->set_dispatch_round(1);
    *k->mutable_due() = ToProto(base + d);
    return e;
  };
  evs.push_back(clock(ts[0], 1, absl::Hours(240)));
  evs.push_back(clock(ts[2], 1, absl::Hours(24)));
  evs.push_back(clock(ts[3], 1, absl::Hours(48)));
  ASSERT_TRUE(c_->Publish(evs, "deadline").ok());
  v1::ListWorkRequest w;
  w.mutable_page()->set_page_size(2);
  v1::ListWorkResponse wr;
  ASSERT_TRUE(RCALL(ListWork, kLongshuiStaff, w, &wr).ok());
  ASSERT_EQ(wr.items_size(), 2);
  EXPECT_EQ(wr.items(0).assignment().ticket_id(), ts[2]);
  EXPECT_EQ(wr.items(1).assignment().ticket_id(), ts[3]);
  EXPECT_EQ(wr.items(1).reason(), v1::WORK_REASON_HELD_BELOW);
  EXPECT_EQ(wr.items(0).assignment().handling_due().seconds(),
            absl::ToUnixSeconds(base + absl::Hours(24)));
  w.mutable_page()->set_page_token(wr.page().next_page_token());
  ASSERT_TRUE(RCALL(ListWork, kLongshuiStaff, w, &wr).ok());
  ASSERT_EQ(wr.items_size(), 2);
  EXPECT_EQ(wr.items(0).assignment().ticket_id(), ts[0]);
  EXPECT_EQ(wr.items(1).assignment().ticket_id(), ts[1]);  // no due: last
  EXPECT_TRUE(wr.page().next_page_token().empty());
  // An extension moves ts[2] behind ts[0]; time passes and ts[3] is overdue.
  v1::TicketEvent mv;
  mv.set_event_id("deadline-move-1");
  mv.set_ticket_id(ts[2]);
  mv.set_seq(2);
  *mv.mutable_occurred_at() = ToProto(base);
  mv.set_producer("deadline");
  mv.set_ticket_number("DZ20240208-000000");
  mv.mutable_clock_moved()->set_clock_id(absl::StrCat("clk-", ts[2], "-1"));
  mv.mutable_clock_moved()->set_kind(v1::CLOCK_KIND_HANDLING);
  *mv.mutable_clock_moved()->mutable_due() = ToProto(base + absl::Hours(480));
  mv.mutable_clock_moved()->set_cause(v1::CLOCK_MOVE_CAUSE_EXTENSION_APPROVED);
  ASSERT_TRUE(c_->Publish({mv}, "deadline").ok());
  ASSERT_TRUE(svc_->clock().Advance(absl::Hours(72)).ok());
  w.Clear();
  ASSERT_TRUE(RCALL(ListWork, kLongshuiStaff, w, &wr).ok());
  ASSERT_EQ(wr.items_size(), 4);
  EXPECT_EQ(wr.items(0).assignment().ticket_id(), ts[3]);
  EXPECT_TRUE(wr.items(0).overdue());
  EXPECT_EQ(wr.items(1).assignment().ticket_id(), ts[0]);
  EXPECT_FALSE(wr.items(1).overdue());
  EXPECT_EQ(wr.items(2).assignment().ticket_id(), ts[2]);
  // Filters and reach.
  w.add_reasons(v1::WORK_REASON_HELD_BELOW);
  ASSERT_TRUE(RCALL(ListWork, kLongshuiStaff, w, &wr).ok());
  ASSERT_EQ(wr.items_size(), 1);
  ASSERT_TRUE(RCALL(ListWork, kNanshanStaff, v1::ListWorkRequest(), &wr).ok());
  ASSERT_EQ(wr.items_size(), 1);
  EXPECT_EQ(wr.items(0).reason(), v1::WORK_REASON_HELD);
  v1::ListWorkRequest other;
  other.set_unit_id("town.longshui");
  ExpectRefused(RCALL(ListWork, kNanshanStaff, other, &wr),
                grpc::StatusCode::PERMISSION_DENIED);
  ExpectRefused(RCALL(ListWork, kCenterToken, v1::ListWorkRequest(), &wr),
                grpc::StatusCode::INVALID_ARGUMENT, "unit_id");
  ASSERT_TRUE(RCALL(ListWork, kCenterToken, other, &wr).ok());
  EXPECT_EQ(wr.items_size(), 4);
  other.set_unit_id("town.zzz");
  ExpectRefused(RCALL(ListWork, kCenterToken, other, &wr),
                grpc::StatusCode::NOT_FOUND);
}

// deadline's ClockOverdue (docs/clocks.md) is acknowledged without effect:
// the worklist already shows the order overdue from the clock's due.
// The due instants follow every kind of clock event as the stored clocks
// say: a repeated start only moves the due (a stopped clock stays stopped),
// a clock id stored for another order changes nothing here, another round's
// clock does not count, instants keep DATETIME(6) precision.
TEST_F(RoutingIT, DueInstantsFollowEveryClockEvent) {
  const std::string t = NewOrder(1);
  const std::string u = NewOrder(2);
  ASSERT_TRUE(Dispatch(t, "town.longshui").ok());
  ASSERT_TRUE(Dispatch(u, "town.longshui").ok());
  const absl::Time base = Now();
  int n = 0;
  auto event = [&](const std::string& ticket, int seq) {
    v1::TicketEvent e;
    e.set_event_id(absl::StrCat("deadline-", ticket, "-", seq, "-", ++n));
    e.set_ticket_id(ticket);
    e.set_seq(seq);
    *e.mutable_occurred_at() = ToProto(base);
    e.set_producer("deadline");
    e.set_ticket_number("DZ20240208-000000");
    return e;
  };
  auto started = [&](const std::string& ticket, int seq, const std::string& id,
                     v1::ClockKind kind, int round, absl::Duration d) {
    v1::TicketEvent e = event(ticket, seq);
    auto* k = e.mutable_clock_started();
    k->set_clock_id(id);
    k->set_kind(kind);
    k->set_unit_id("town.longshui");
    k->set_dispatch_round(round);
    *k->mutable_due() = ToProto(base + d);
    return e;
  };
  auto publish = [&](const v1::TicketEvent& e) {
    grpc::Status s = c_->Publish({e}, "deadline");
    ASSERT_TRUE(s.ok()) << s.error_message();
  };
  auto at = [&](const google::protobuf::Timestamp& ts) {
    return FromProto(ts);
  };
  const absl::Duration odd = absl::Hours(2) + absl::Nanoseconds(123456789);

  publish(started(u, 1, "clk-u", v1::CLOCK_KIND_HANDLING, 1, absl::Hours(50)));
  publish(started(t, 1, "clk-r", v1::CLOCK_KIND_RESPONSE, 1, odd));
  v1::Assignment a = Get(t);
  EXPECT_EQ(at(a.response_due()),
            base + absl::Hours(2) + absl::Microseconds(123456));
  EXPECT_EQ(at(a.next_due()), at(a.response_due()));
  EXPECT_FALSE(a.has_handling_due());
  publish(started(t, 2, "clk-h", v1::CLOCK_KIND_HANDLING, 1, absl::Hours(240)));
  a = Get(t);
  EXPECT_EQ(at(a.handling_due()), base + absl::Hours(240));
  EXPECT_EQ(at(a.next_due()), at(a.response_due()));
  // Started again: only the due moves.
  publish(started(t, 3, "clk-r", v1::CLOCK_KIND_HANDLING, 2, absl::Hours(5)));
  a = Get(t);
  EXPECT_EQ(at(a.response_due()), base + absl::Hours(5));
  EXPECT_EQ(at(a.handling_due()), base + absl::Hours(240));
  v1::TicketEvent mv = event(t, 4);
  mv.mutable_clock_moved()->set_clock_id("clk-h");
  mv.mutable_clock_moved()->set_kind(v1::CLOCK_KIND_HANDLING);
  *mv.mutable_clock_moved()->mutable_due() = ToProto(base + absl::Hours(100));
  publish(mv);
  a = Get(t);
  EXPECT_EQ(at(a.handling_due()), base + absl::Hours(100));
  EXPECT_EQ(at(a.next_due()), base + absl::Hours(5));
  v1::TicketEvent stop = event(t, 5);
  stop.mutable_clock_stopped()->set_clock_id("clk-r");
  publish(stop);
  a = Get(t);
  EXPECT_FALSE(a.has_response_due());
  EXPECT_EQ(at(a.next_due()), base + absl::Hours(100));
  // A stopped clock started again stays stopped (its due moves).
  publish(started(t, 6, "clk-r", v1::CLOCK_KIND_RESPONSE, 1, absl::Hours(1)));
  a = Get(t);
  EXPECT_FALSE(a.has_response_due());
  EXPECT_EQ(at(a.next_due()), base + absl::Hours(100));
  EXPECT_EQ(Scalar("SELECT COUNT(*) FROM clock WHERE clock_id = 'clk-r' AND "
                   "running = 0 AND due = DATE_ADD((SELECT due FROM clock "
                   "WHERE clock_id = 'clk-h'), INTERVAL -99 HOUR)"),
            1);
  // A clock id stored for the other order, and another round's clock.
  publish(started(t, 7, "clk-u", v1::CLOCK_KIND_HANDLING, 1, absl::Hours(3)));
  publish(started(t, 8, "clk-2", v1::CLOCK_KIND_HANDLING, 2, absl::Hours(4)));
  a = Get(t);
  EXPECT_EQ(at(a.handling_due()), base + absl::Hours(100));
  EXPECT_EQ(at(a.next_due()), base + absl::Hours(100));
  // (The other order's row moved; its dues follow at its own next event.)
  EXPECT_EQ(Scalar("SELECT COUNT(*) FROM clock WHERE clock_id = 'clk-u' AND "
                   "ticket_id = '" +
                   u + "'"),
            1);
  EXPECT_EQ(at(Get(u).handling_due()), base + absl::Hours(50));
  // Ladder steps only rise.
  v1::TicketEvent step = event(t, 9);
  step.mutable_ladder_step_fired()->set_step(v1::LADDER_STEP_SUPERVISION);
  publish(step);
  step = event(t, 10);
  step.mutable_ladder_step_fired()->set_step(v1::LADDER_STEP_REMINDER);
  publish(step);
  EXPECT_EQ(Get(t).ladder_step(), v1::LADDER_STEP_SUPERVISION);
}

TEST_F(RoutingIT, ClockOverdueIsAcknowledgedAndTheWorklistShowsOverdue) {
  std::string t = NewOrder(1);
  ASSERT_TRUE(Dispatch(t, "town.longshui").ok());
  const absl::Time base = Now();
  auto deadline_event = [&](int seq) {
    v1::TicketEvent e;
    e.set_event_id(absl::StrCat("deadline-", t, "-", seq));
    e.set_ticket_id(t);
    e.set_seq(seq);
    *e.mutable_occurred_at() = ToProto(Now());
    e.set_producer("deadline");
    e.set_ticket_number("DZ20240208-100001");
    return e;
  };
  v1::TicketEvent started = deadline_event(1);
  auto* k = started.mutable_clock_started();
  k->set_clock_id("clk-resp-1");
  k->set_kind(v1::CLOCK_KIND_RESPONSE);
  k->set_unit_id("town.longshui");
  k->set_dispatch_round(1);
  *k->mutable_due() = ToProto(base + absl::Hours(24));
  ASSERT_TRUE(c_->Publish({started}, "deadline").ok());
  ASSERT_TRUE(svc_->clock().Advance(absl::Hours(25)).ok());
  const v1::Assignment before = Get(t);
  const int64_t events = Events(t);

  v1::TicketEvent overdue = deadline_event(2);
  auto* o = overdue.mutable_clock_overdue();
  o->set_clock_id("clk-resp-1");
  o->set_kind(v1::CLOCK_KIND_RESPONSE);
  o->set_unit_id("town.longshui");
  *o->mutable_due() = ToProto(base + absl::Hours(24));
  *o->mutable_as_of() = ToProto(base + absl::Hours(24));
  o->set_first(true);
  o->set_cause("due_passed");
  o->set_rule("response");
  o->set_article("第七条");
  o->set_dispatch_round(1);
  ASSERT_TRUE(c_->Publish({overdue}, "deadline").ok());
  ASSERT_TRUE(c_->Publish({overdue}, "deadline").ok());  // redelivered
  EXPECT_EQ(Scalar("SELECT COUNT(*) FROM inbox WHERE event_id = 'deadline-" +
                   t + "-2' AND outcome = 'applied'"),
            1);
  EXPECT_EQ(Get(t).SerializeAsString(), before.SerializeAsString());
  EXPECT_EQ(Events(t), events);
  v1::ListWorkResponse wr;
  ASSERT_TRUE(RCALL(ListWork, kLongshuiStaff, v1::ListWorkRequest(), &wr).ok());
  ASSERT_EQ(wr.items_size(), 1);
  EXPECT_TRUE(wr.items(0).overdue());
  EXPECT_EQ(FromProto(wr.items(0).assignment().response_due()),
            base + absl::Hours(24));
}

TEST_F(RoutingIT, CenterQueueMostUrgentFirstAndMerge) {
  std::string a = NewOrder(1);
  ASSERT_TRUE(svc_->clock().Advance(absl::Minutes(1)).ok());
  std::string b = NewOrder(2, "城乡建设/物业管理", "town.longshui",
                           v1::URGENCY_EXTRA_URGENT);
  ASSERT_TRUE(svc_->clock().Advance(absl::Minutes(1)).ok());
  std::string c = NewOrder(3);
  v1::ListCenterQueueRequest q;
  v1::ListCenterQueueResponse qr;
  ASSERT_TRUE(RCALL(ListCenterQueue, kCenterToken, q, &qr).ok());
  ASSERT_EQ(qr.items_size(), 3);
  EXPECT_EQ(qr.items(0).assignment().ticket_id(), b);
  EXPECT_EQ(qr.items(1).assignment().ticket_id(), a);
  EXPECT_EQ(qr.items(2).assignment().ticket_id(), c);
  // Intake merges c into a: it leaves the queue with a Closed event.
  v1::TicketEvent m;
  m.set_event_id("intake-merge-1");
  m.set_ticket_id(c);
  m.set_seq(2);
  *m.mutable_occurred_at() = ToProto(Now());
  m.set_producer("intake");
  m.set_ticket_number("DZ20240208-100003");
  m.mutable_ticket_merged()->set_original_ticket_id(a);
  m.mutable_ticket_merged()->set_reason("重复来电");
  ASSERT_TRUE(c_->Publish({m}, "intake").ok());
  ASSERT_TRUE(RCALL(ListCenterQueue, kCenterToken, q, &qr).ok());
  EXPECT_EQ(qr.items_size(), 2);
  EXPECT_EQ(Get(c).status(), v1::TICKET_STATUS_MERGED);
  EXPECT_EQ(Events(c), 1);
  ExpectRefused(Dispatch(c, "town.longshui"),
                grpc::StatusCode::FAILED_PRECONDITION, "MERGED");
}

// ------------------------------------------------------- issue 13: security

// A replayed request id is answered only to a caller who may make the call
// on the order now: an unrelated unit (or one below the holder that never
// held it) replaying the holder's Reply learns nothing of the reply.
TEST_F(RoutingIT, ReplayOfAnotherUnitsReplyIsPermissionDenied) {
  std::string t = NewOrder(1);
  ASSERT_TRUE(Dispatch(t, "town.longshui").ok());
  ASSERT_TRUE(Accept(t, kLongshuiStaff).ok());
  v1::ReplyRequest reply = ReplyReq(t);
  v1::ReplyResponse first;
  ASSERT_TRUE(RCALL(Reply, kLongshuiStaff, reply, &first).ok());
  for (const char* stranger : {kLonggangStaff, kHousingStaff, kNanshanStaff}) {
    v1::ReplyResponse again;
    grpc::Status s = RCALL(Reply, stranger, reply, &again);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED)
        << stranger << ": " << s.error_message();
    EXPECT_FALSE(again.has_assignment());
    EXPECT_EQ(again.assignment().latest_reply().text(), "");
  }
  // The holder's own retry still gets the first answer.
  v1::ReplyResponse again;
  ASSERT_TRUE(RCALL(Reply, kLongshuiLead, reply, &again).ok());
  EXPECT_EQ(again.SerializeAsString(), first.SerializeAsString());
  EXPECT_EQ(Events(t), 3);
}

// SERVICE dispatches only by an existing, active catalogue rule that
// matches the order, to that rule's unit.
TEST_F(RoutingIT, ServiceDispatchOnlyByAnActiveMatchingRule) {
  v1::UpsertRuleRequest r;
  r.set_request_id("rule-wy");
  auto* rule = r.mutable_rule();
  rule->set_name("物业管理交属地镇街");
  rule->add_category_codes("城乡建设/物业管理");
  rule->add_area_codes("town.longshui");
  rule->set_unit_id("town.longshui");
  rule->add_co_unit_ids("dept.housing");
  rule->set_priority(300);
  rule->set_active(true);
  v1::UpsertRuleResponse rr;
  ASSERT_TRUE(DCALL(UpsertRule, kCenterToken, r, &rr).ok());
  const std::string wy = rr.rule().rule_id();
  r.set_request_id("rule-off");
  rule->set_name("停用的规则");
  rule->set_active(false);
  ASSERT_TRUE(DCALL(UpsertRule, kCenterToken, r, &rr).ok());
  const std::string off = rr.rule().rule_id();
  r.set_request_id("rule-jt");
  rule->set_name("交通类事项交区交通局");
  rule->clear_category_codes();
  rule->add_category_codes("交通");
  rule->clear_area_codes();
  rule->clear_co_unit_ids();
  rule->set_unit_id("dept.transport");
  rule->set_active(true);
  ASSERT_TRUE(DCALL(UpsertRule, kCenterToken, r, &rr).ok());
  const std::string jt = rr.rule().rule_id();

  std::string t = NewOrder(1);  // 城乡建设/物业管理 in 龙水镇
  auto by_service = [&](const std::string& unit, const std::string& rule_id) {
    v1::DispatchRequest req;
    req.set_request_id(absl::StrCat("svc-dsp-", ++rid_));
    req.set_ticket_id(t);
    req.set_unit_id(unit);
    req.set_rule_id(rule_id);
    v1::DispatchResponse resp;
    return RCALL(Dispatch, kServiceToken, req, &resp);
  };
  ExpectRefused(by_service("town.longshui", ""),
                grpc::StatusCode::PERMISSION_DENIED, "rule_id");
  ExpectRefused(by_service("town.longshui", "rule-none"),
                grpc::StatusCode::PERMISSION_DENIED, "no such rule");
  ExpectRefused(by_service("town.longshui", off),
                grpc::StatusCode::PERMISSION_DENIED, "inactive");
  ExpectRefused(by_service("dept.transport", jt),
                grpc::StatusCode::PERMISSION_DENIED, "does not match");
  ExpectRefused(by_service("town.longgang", wy),
                grpc::StatusCode::PERMISSION_DENIED, "dispatches to");
  EXPECT_EQ(Events(t), 0);
  EXPECT_EQ(Get(t).status(), v1::TICKET_STATUS_RECEIVED);
  ASSERT_TRUE(by_service("town.longshui", wy).ok());
  EXPECT_EQ(Get(t).holder_unit_id(), "town.longshui");
  // The center dispatches by judgement, without a rule.
  std::string t2 = NewOrder(2);
  ASSERT_TRUE(Dispatch(t2, "town.longgang", "属地调整").ok());
}

// Events: only intake's own kinds from intake's token, routing's own from
// nobody else; a forged event changes nothing.
TEST_F(RoutingIT, EventsFromTheWrongServiceAreRefused) {
  // Deadline's token publishing intake's TicketCreated.
  v1::PublishRequest req;
  req.set_source_service("deadline");
  v1::TicketEvent created =
      Created("tkt-forged", 9, "城乡建设/物业管理", "town.longshui", Now());
  created.set_producer("deadline");
  *req.add_events() = created;
  v1::PublishResponse resp;
  grpc::Status s = c_->Call(
      c_->sink.get(), &v1::EventSink::Stub::Publish,
      std::string(hotline::testing::kDeadlineServiceToken), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << s.error_message();
  // source_service naming another service than the token's.
  req.set_source_service("intake");
  req.mutable_events(0)->set_producer("intake");
  s = c_->Call(c_->sink.get(), &v1::EventSink::Stub::Publish,
               std::string(hotline::testing::kDeadlineServiceToken), req,
               &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  // The unnamed SERVICE token publishes nothing.
  s = c_->Call(c_->sink.get(), &v1::EventSink::Stub::Publish,
               std::string(kServiceToken), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Scalar("SELECT COUNT(*) FROM assignment"), 0);
  EXPECT_EQ(Scalar("SELECT COUNT(*) FROM inbox"), 0);
  // Intake's own token: accepted.
  created.set_producer("intake");
  ASSERT_TRUE(c_->Publish({created}, "intake").ok());
  EXPECT_EQ(Scalar("SELECT COUNT(*) FROM inbox"), 1);
}

// A deadline event for an order routing never heard of is not acknowledged
// (deadline learns of orders only from routing); a gap in seq neither.
TEST_F(RoutingIT, DeadlineEventsForUnknownOrdersOrOutOfSequenceWait) {
  v1::TicketEvent started;
  started.set_event_id("deadline-1");
  started.set_ticket_id("tkt-unknown");
  started.set_seq(1);
  *started.mutable_occurred_at() = ToProto(Now());
  started.set_producer("deadline");
  started.set_ticket_number("DZ20240208-100009");
  auto* k = started.mutable_clock_started();
  k->set_clock_id("clk-1");
  k->set_kind(v1::CLOCK_KIND_HANDLING);
  k->set_dispatch_round(1);
  *k->mutable_due() = ToProto(Now() + absl::Hours(48));
  v1::PublishRequest req;
  req.set_source_service("deadline");
  *req.add_events() = started;
  v1::PublishResponse resp;
  grpc::Status s = c_->Call(
      c_->sink.get(), &v1::EventSink::Stub::Publish,
      std::string(hotline::testing::kDeadlineServiceToken), req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(resp.acknowledged_event_ids_size(), 0);
  EXPECT_EQ(Scalar("SELECT COUNT(*) FROM inbox"), 0);
  EXPECT_EQ(Scalar("SELECT COUNT(*) FROM clock"), 0);
}

}  // namespace
}  // namespace hotline::routing

namespace hotline::routing {
namespace {

// A request made before the shared request log (idempotency_log) and
// retried after the upgrade gets its first answer: the schema is laid down
// as the release before left it (migrations below 014), with the row that
// release's Mutate wrote into routing's own request_log; the service then
// starts, applies 014 (which carries the answer over) and answers the retry
// from it without running the call again.
TEST(RoutingUpgradeIT, RequestIdAnsweredBeforeTheUpgradeReplaysAfterIt) {
  v1::ImportDirectoryRequest req;
  req.set_request_id("import-before-upgrade");
  req.set_format(v1::DIRECTORY_FORMAT_CSV);
  req.set_content(SampleDirectory());
  req.set_source("sample: Dazu District");
  v1::ImportDirectoryResponse first;
  first.set_units_created(51);
  hotline::testing::ServiceOptions o;
  o.extra_tokens = ExtraTokens();
  o.before_start = [&](hotline::testing::TestSchema& schema) -> absl::Status {
    RETURN_IF_ERROR(hotline::testing::MigrateBelow(schema, Definition(), 14));
    return schema.Execute(absl::StrCat(
        "INSERT INTO request_log (request_id, method, request, response) "
        "VALUES ('import-before-upgrade', 'ImportDirectory', X'",
        absl::BytesToHexString(req.SerializeAsString()), "', X'",
        absl::BytesToHexString(first.SerializeAsString()), "')"));
  };
  auto svc = ServiceUnderTest::Start(Definition(), o);
  ASSERT_TRUE(svc.ok()) << svc.status();
  RoutingClient client((*svc)->channel());
  RoutingClient* c_ = &client;

  v1::ImportDirectoryResponse again;
  grpc::Status s = DCALL(ImportDirectory, kCenterToken, req, &again);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(again.SerializeAsString(), first.SerializeAsString());
  auto conn = (*svc)->instance().pool().Acquire();
  ASSERT_TRUE(conn.ok());
  auto rs = (*conn)->Query("SELECT COUNT(*) FROM unit");
  ASSERT_TRUE(rs.ok());
  (*rs)->next();
  EXPECT_EQ((*rs)->getInt64(1), 0) << "the replay must not import again";

  // The carried-over id stays bound to its rpc.
  v1::DeleteRuleRequest other;
  other.set_request_id("import-before-upgrade");
  other.set_rule_id("rule-property");
  v1::DeleteRuleResponse dr;
  s = DCALL(DeleteRule, kCenterToken, other, &dr);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS)
      << s.error_message();
  EXPECT_THAT(s.error_message(), HasSubstr("request_id"));
}

}  // namespace
}  // namespace hotline::routing
