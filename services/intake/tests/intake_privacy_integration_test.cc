// Caller privacy of intake against a real MariaDB (issue 13): a dump of the
// databases yields no caller identity without the caller key, not even by
// hashing candidate phone numbers; the caller keys rotate online, in
// resumable batches, while the service answers; a whistle-blower's identity
// is revealed only to center staff, with a reason, audited, while the order
// is open.

#include <grpcpp/grpcpp.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/db/connection.h"
#include "common/db/migrations.h"
#include "common/runtime/service_runtime.h"
#include "common/server/proto_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hotline/v1/events.grpc.pb.h"
#include "hotline/v1/intake.grpc.pb.h"
#include "hotline/v1/routing.grpc.pb.h"
#include "services/assessment/edge/assessment_service.h"
#include "services/intake/core/key_rotation.h"
#include "services/intake/domain/caller_crypto.h"
#include "services/intake/edge/intake_service.h"
#include "services/intake/store/mysql_key_rotation_store.h"
#include "services/routing/edge/routing_service.h"
#include "tests/support/service_fixture.h"

namespace hotline::intake {
namespace {

using ::hotline::testing::kAgentToken;
using ::hotline::testing::kAuditorToken;
using ::hotline::testing::kCenterToken;
using ::hotline::testing::kEvaluatorToken;
using ::hotline::testing::ServiceOptions;
using ::hotline::testing::ServiceTokenOf;
using ::hotline::testing::ServiceUnderTest;

constexpr char kAesA[] =
    "5b1f0c3e9a7d4b2c8e6f0a1b3c5d7e9f2a4c6e8b0d1f3a5c7e9b1d3f5a7c9e1b";
constexpr char kHmacA[] =
    "0f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff0";

// A key file at a fresh path; removed by the destructor.
class KeyFile {
 public:
  explicit KeyFile(const std::string& text) {
    char path[] = "/tmp/hotline-privacy-keys-XXXXXX";
    const int fd = mkstemp(path);
    EXPECT_GE(fd, 0);
    close(fd);
    path_ = path;
    std::ofstream(path_) << text;
  }
  ~KeyFile() { std::remove(path_.c_str()); }
  // Points HOTLINE_CALLER_KEY_FILE at this file.
  void Use() const { setenv("HOTLINE_CALLER_KEY_FILE", path_.c_str(), 1); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A caller of the test data.
struct Caller {
  std::string name, phone, sent_phone, id_number, address;
};

// 17 digits + the GB 11643 check character.
std::string IdNumber(const std::string& first17) {
  static const int kWeights[] = {7, 9, 10, 5,  8, 4, 2, 1, 6,
                                 3, 7, 9,  10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (first17[i] - '0') * kWeights[i];
  return first17 + "10X98765432"[sum % 11];
}

std::vector<Caller> Callers() {
  return {
      {"张三丰", "13812345678", "138-1234-5678", IdNumber("11010519491231002"),
       "大足区龙岗街道五星大道88号3栋2单元"},
      {"李秀英", "13900002222", "13900002222", IdNumber("50022519880512342"),
       "大足区龙水镇南山社区幸福路12号"},
      {"王建国", "15923456789", "+86 159 2345 6789",
       IdNumber("50011119700101123"), "大足区棠香街道二环南路66号附5号"},
      {"欧阳娜娜", "18623001234", "186 2300 1234",
       IdNumber("50022520010909004"), "大足区智凤街道登云社区7组"},
  };
}

v1::CreateTicketRequest OrderOf(const std::string& request_id, const Caller& c,
                                v1::RequestType type) {
  v1::CreateTicketRequest r;
  r.set_request_id(request_id);
  r.set_channel(v1::CHANNEL_PHONE);
  r.set_request_type(type);
  r.set_category_code("urban.road.streetlight");
  r.mutable_location()->set_town_code("town.longshui");
  r.mutable_location()->set_address("龙水镇五金市场东门");
  r.set_title("龙水镇五金市场路灯不亮");
  r.set_content("五金市场东门附近的三盏路灯已经一周不亮了，晚上出行很不安全。");
  r.mutable_caller()->set_name(c.name);
  r.mutable_caller()->set_phone(c.sent_phone);
  r.mutable_caller()->set_id_number(c.id_number);
  r.mutable_caller()->set_address(c.address);
  return r;
}

std::string Digest(const EVP_MD* md, const std::string& in) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(in.data(), in.size(), out, &n, md, nullptr);
  return std::string(reinterpret_cast<const char*>(out), n);
}

std::string Deterministic(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::io::StringOutputStream sos(&out);
  google::protobuf::io::CodedOutputStream cos(&sos);
  cos.SetSerializationDeterministic(true);
  m.SerializeToCodedStream(&cos);
  return out;
}

// "138-1234-5678" style of an 11-digit phone.
std::string Dashed(const std::string& p, char sep) {
  return absl::StrCat(p.substr(0, 3), std::string(1, sep), p.substr(3, 4),
                      std::string(1, sep), p.substr(7));
}

// One cell of a dump.
struct Cell {
  std::string where;  // schema.table.column
  std::string bytes;
};

// Every column of every row of every table the pool's user can read.
std::vector<Cell> DumpSchema(db::ConnectionPool& pool,
                             const std::string& label) {
  std::vector<Cell> cells;
  auto conn = pool.Acquire();
  EXPECT_TRUE(conn.ok()) << conn.status();
  if (!conn.ok()) return cells;
  auto tables = (*conn)->Query("SHOW TABLES");
  EXPECT_TRUE(tables.ok());
  std::vector<std::string> names;
  while ((*tables)->next()) names.push_back((*tables)->getString(1));
  for (const auto& table : names) {
    auto rs = (*conn)->Query(absl::StrCat("SELECT * FROM `", table, "`"));
    EXPECT_TRUE(rs.ok()) << table;
    if (!rs.ok()) continue;
    sql::ResultSetMetaData* meta = (*rs)->getMetaData();
    const int cols = meta->getColumnCount();
    while ((*rs)->next()) {
      for (int c = 1; c <= cols; ++c) {
        if ((*rs)->isNull(c)) continue;
        cells.push_back(Cell{absl::StrCat(label, ".", table, ".",
                                          std::string(meta->getColumnName(c))),
                             std::string((*rs)->getString(c))});
      }
    }
  }
  return cells;
}

// The forms in which a cell may hold a value: its bytes, and what they
// decode to when they are hex or base64 text.
std::vector<std::string> Forms(const std::string& bytes) {
  std::vector<std::string> forms = {bytes};
  bool hex = !bytes.empty() && bytes.size() % 2 == 0;
  for (char ch : bytes)
    hex &= absl::ascii_isxdigit(static_cast<unsigned char>(ch));
  if (hex) forms.push_back(absl::HexStringToBytes(bytes));
  std::string b64;
  if (bytes.size() >= 12 && absl::Base64Unescape(bytes, &b64)) {
    forms.push_back(b64);
  }
  return forms;
}

// Base64 texts that occur inside the base64 of any text containing `s`
// (the three alignments, edges cut off).
std::vector<std::string> Base64Inner(const std::string& s) {
  std::vector<std::string> out;
  for (int off = 0; off < 3; ++off) {
    std::string b64 = absl::Base64Escape(std::string(off, '\x01') + s);
    const size_t head = off == 0 ? 0 : 4;
    if (b64.size() < head + 4 + 8) continue;
    out.push_back(b64.substr(head, b64.size() - head - 4));
  }
  return out;
}

class PrivacyDumpTest : public ::testing::Test {};

// The dump test (issue 13): orders with callers, delivered to routing and
// assessment; then every column of every row of every table of the three
// schemas is searched for the callers' identity in clear, in base64, and
// for any digest (SHA-256, SHA-1, MD5; raw, hex, upper-case hex; once or
// twice) of the candidate phones (the real ones and their neighbours) in
// every plausible serialization: the number as typed and normalised, the
// CallerIdentity, and the CreateTicket request as sent (the rest of it is
// stored in clear, so an attacker knows it), with and without the RPC name
// in front. Nothing may match.
TEST_F(PrivacyDumpTest, NoDigestOrTextInAnyTableRecoversACaller) {
  KeyFile keys(absl::StrCat("k2026a ", kAesA, "\nhmac ", kHmacA, "\n"));
  keys.Use();
  auto routing = ServiceUnderTest::Start(routing::Definition());
  ASSERT_TRUE(routing.ok()) << routing.status();
  auto assessment = ServiceUnderTest::Start(assessment::Definition());
  ASSERT_TRUE(assessment.ok()) << assessment.status();
  ServiceOptions options;
  options.subscribers = {{"routing", (*routing)->address()},
                         {"assessment", (*assessment)->address()}};
  auto intake = ServiceUnderTest::Start(Definition(), options);
  ASSERT_TRUE(intake.ok()) << intake.status();
  auto stub = v1::IntakeService::NewStub((*intake)->channel());

  const std::vector<Caller> callers = Callers();
  std::vector<v1::CreateTicketRequest> sent;
  const v1::RequestType types[] = {
      v1::REQUEST_TYPE_HELP_SEEKING, v1::REQUEST_TYPE_COMPLAINT,
      v1::REQUEST_TYPE_REPORT, v1::REQUEST_TYPE_CONSULTATION};
  for (size_t i = 0; i < callers.size(); ++i) {
    v1::CreateTicketRequest r =
        OrderOf(absl::StrCat("dump-", i), callers[i], types[i]);
    grpc::ClientContext ctx;
    ServiceUnderTest::Authorize(&ctx, kAgentToken);
    v1::CreateTicketResponse resp;
    grpc::Status s = stub->CreateTicket(&ctx, r, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
    sent.push_back(r);
    // A reveal, a search by phone: the audit and query paths run too.
    grpc::ClientContext rctx;
    ServiceUnderTest::Authorize(&rctx, kCenterToken);
    v1::RevealCallerRequest rv;
    rv.set_request_id(absl::StrCat("dump-rv-", i));
    rv.set_ticket_id(resp.ticket().ticket_id());
    rv.set_purpose(v1::REVEAL_PURPOSE_FOLLOW_UP);
    rv.set_reason("回访核实办理结果");
    v1::RevealCallerResponse revealed;
    ASSERT_TRUE(stub->RevealCaller(&rctx, rv, &revealed).ok());
    EXPECT_EQ(revealed.caller().phone(), callers[i].phone);
    grpc::ClientContext sctx;
    ServiceUnderTest::Authorize(&sctx, kAgentToken);
    v1::SearchTicketsRequest sr;
    sr.set_caller_phone(callers[i].phone);
    v1::SearchTicketsResponse found;
    ASSERT_TRUE(stub->SearchTickets(&sctx, sr, &found).ok());
    EXPECT_EQ(found.tickets_size(), 1);
  }
  // The events reach routing and assessment.
  for (int i = 0; i < 200; ++i) {
    auto conn = (*intake)->instance().pool().Acquire();
    ASSERT_TRUE(conn.ok());
    auto rs = (*conn)->Query("SELECT COUNT(*) FROM outbox_pending");
    ASSERT_TRUE(rs.ok());
    (*rs)->next();
    if ((*rs)->getInt64(1) == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }

  std::vector<Cell> cells = DumpSchema((*intake)->instance().pool(), "intake");
  ASSERT_GT(cells.size(), 500u);
  for (auto& c : DumpSchema((*routing)->instance().pool(), "routing")) {
    cells.push_back(std::move(c));
  }
  for (auto& c : DumpSchema((*assessment)->instance().pool(), "assessment")) {
    cells.push_back(std::move(c));
  }

  // Needles: digest (in any form) → what it is a digest of.
  absl::flat_hash_map<std::string, std::string> digests;
  const std::pair<const char*, const EVP_MD*> algos[] = {
      {"sha256", EVP_sha256()}, {"sha1", EVP_sha1()}, {"md5", EVP_md5()}};
  auto add = [&](const std::string& what, const std::string& plain) {
    for (const auto& [name, md] : algos) {
      const std::string once = Digest(md, plain);
      const std::string hex = absl::BytesToHexString(once);
      const std::string twice = Digest(md, hex);
      for (const std::string& d : {once, twice}) {
        const std::string label =
            absl::StrCat(name, d == once ? "" : "(hex(", d == once ? "" : name,
                         d == once ? "" : "))", " of ", what);
        digests.emplace(d, label);
        digests.emplace(absl::BytesToHexString(d), label);
        digests.emplace(absl::AsciiStrToUpper(absl::BytesToHexString(d)),
                        label);
      }
    }
  };
  int candidates = 0;
  for (size_t i = 0; i < callers.size(); ++i) {
    const Caller& who = callers[i];
    const int64_t real = std::stoll(who.phone);
    add(absl::StrCat("id number of caller ", i), who.id_number);
    add(absl::StrCat("name of caller ", i), who.name);
    add(absl::StrCat("address of caller ", i), who.address);
    for (int64_t delta = -20; delta <= 20; ++delta) {
      const std::string p = std::to_string(real + delta);
      const std::string what =
          absl::StrCat("phone ", p, delta == 0 ? " (real)" : "");
      ++candidates;
      for (const std::string& form :
           {p, "+86" + p, "86" + p, "+86 " + Dashed(p, ' '), Dashed(p, '-'),
            Dashed(p, ' '), who.name + p, p + who.name, p + who.id_number}) {
        add(absl::StrCat(what, " as \"", form, "\""), form);
      }
      v1::CallerIdentity alone;
      alone.set_phone(p);
      add(absl::StrCat(what, " as CallerIdentity"), Deterministic(alone));
      v1::CallerIdentity full;
      full.set_name(who.name);
      full.set_phone(p);
      full.set_id_number(who.id_number);
      full.set_address(who.address);
      add(absl::StrCat(what, " in the CallerIdentity"), Deterministic(full));
      for (const std::string& typed : {p, Dashed(p, '-'), who.sent_phone}) {
        if (typed == who.sent_phone && delta != 0) continue;
        v1::CreateTicketRequest r = sent[i];
        r.mutable_caller()->set_phone(typed);
        const std::string body = Deterministic(r);
        for (const std::string& prefix :
             {std::string(), std::string("CreateTicket"),
              std::string("CreateTicket", 13)}) {
          add(absl::StrCat(what, " in the CreateTicket request (typed ", typed,
                           ", prefix of ", prefix.size(), " bytes)"),
              prefix + body);
        }
      }
    }
  }
  ASSERT_EQ(candidates, 164);

  // Clear text and base64 of each identity field.
  std::vector<std::pair<std::string, std::string>> texts;
  for (size_t i = 0; i < callers.size(); ++i) {
    const Caller& who = callers[i];
    for (const std::string& s :
         {who.name, who.phone, who.sent_phone, Dashed(who.phone, '-'),
          who.id_number, who.address}) {
      texts.push_back({s, absl::StrCat("caller ", i, " in clear")});
      for (const std::string& b : Base64Inner(s)) {
        texts.push_back({b, absl::StrCat("caller ", i, " in base64")});
      }
      texts.push_back(
          {absl::BytesToHexString(s), absl::StrCat("caller ", i, " in hex")});
    }
  }

  const size_t kLengths[] = {16, 20, 32, 40, 64};
  int findings = 0;
  for (const Cell& cell : cells) {
    for (const std::string& form : Forms(cell.bytes)) {
      for (size_t len : kLengths) {
        for (size_t at = 0; at + len <= form.size(); ++at) {
          auto hit = digests.find(form.substr(at, len));
          if (hit != digests.end() && ++findings <= 20) {
            ADD_FAILURE() << cell.where << " holds the " << hit->second;
          }
        }
      }
      for (const auto& [text, label] : texts) {
        if (form.find(text) != std::string::npos && ++findings <= 20) {
          ADD_FAILURE() << cell.where << " holds " << label;
        }
      }
    }
  }
  EXPECT_EQ(findings, 0) << "cells searched: " << cells.size()
                         << ", digests: " << digests.size();
}

constexpr char kAesB[] =
    "c3a1e5f7092b4d6f8a0c2e4f6a8b0d2f4e6a8c0e2b4d6f8a0c2e4a6b8d0f2a4c";
constexpr char kHmacB[] =
    "7e6d5c4b3a29180f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1";

// A client of one service address.
class Client {
 public:
  explicit Client(const std::string& address)
      : stub_(v1::IntakeService::NewStub(grpc::CreateChannel(
            address, grpc::InsecureChannelCredentials()))) {}

  grpc::Status Create(const v1::CreateTicketRequest& r,
                      v1::CreateTicketResponse* resp) {
    grpc::ClientContext ctx;
    ServiceUnderTest::Authorize(&ctx, kAgentToken);
    return stub_->CreateTicket(&ctx, r, resp);
  }
  grpc::Status Reveal(const std::string& request_id,
                      const std::string& ticket_id, v1::RevealPurpose purpose,
                      const std::string& reason, const std::string& token,
                      v1::RevealCallerResponse* resp) {
    grpc::ClientContext ctx;
    ServiceUnderTest::Authorize(&ctx, token);
    v1::RevealCallerRequest req;
    req.set_request_id(request_id);
    req.set_ticket_id(ticket_id);
    req.set_purpose(purpose);
    req.set_reason(reason);
    return stub_->RevealCaller(&ctx, req, resp);
  }
  // The orders found by phone.
  std::vector<std::string> ByPhone(const std::string& phone) {
    grpc::ClientContext ctx;
    ServiceUnderTest::Authorize(&ctx, kAgentToken);
    v1::SearchTicketsRequest req;
    req.set_caller_phone(phone);
    v1::SearchTicketsResponse resp;
    grpc::Status s = stub_->SearchTickets(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    std::vector<std::string> ids;
    for (const auto& t : resp.tickets()) ids.push_back(t.ticket_id());
    return ids;
  }
  v1::IntakeService::Stub& stub() { return *stub_; }

 private:
  std::unique_ptr<v1::IntakeService::Stub> stub_;
};

// Another replica of a running service: the same schema and token file, the
// key file HOTLINE_CALLER_KEY_FILE names now.
std::unique_ptr<runtime::ServiceInstance> Replica(ServiceUnderTest& svc) {
  auto inst =
      runtime::ServiceInstance::Create(Definition(), svc.instance().config());
  EXPECT_TRUE(inst.ok()) << inst.status();
  if (!inst.ok()) return nullptr;
  absl::Status s = (*inst)->Start();
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_TRUE((*inst)->host().serving());
  return std::move(*inst);
}

int64_t Count(db::ConnectionPool& pool, const std::string& sql) {
  auto conn = pool.Acquire();
  EXPECT_TRUE(conn.ok());
  auto rs = (*conn)->Query(sql);
  EXPECT_TRUE(rs.ok()) << rs.status();
  (*rs)->next();
  return (*rs)->getInt64(1);
}

// Rows written under key A (ids ka/ha) are rotated to key B (kb/hb) while
// replicas answer: before, during (the rotation stopped half way, and a
// batch that dies half way leaves nothing behind), and after (resumed by the
// operator command), every order reveals its own caller and is found by
// phone; at the end no row is under A, and a replica whose key file has
// only B serves every order.
TEST(PrivacyRotationTest, RotatesOnlineResumablyAndTheOldKeyIsDropped) {
  KeyFile a(absl::StrCat("ka ", kAesA, "\nhmac ha ", kHmacA, "\n"));
  a.Use();
  auto svc = ServiceUnderTest::Start(Definition());
  ASSERT_TRUE(svc.ok()) << svc.status();
  Client old_client((*svc)->address());
  std::vector<Caller> callers = Callers();
  std::vector<std::pair<std::string, Caller>> orders;  // ticket id, caller
  for (int round = 0; round < 2; ++round) {
    for (size_t i = 0; i < callers.size(); ++i) {
      v1::CreateTicketResponse resp;
      grpc::Status s =
          old_client.Create(OrderOf(absl::StrCat("rot-", round, "-", i),
                                    callers[i], v1::REQUEST_TYPE_COMPLAINT),
                            &resp);
      ASSERT_TRUE(s.ok()) << s.error_message();
      orders.push_back({resp.ticket().ticket_id(), callers[i]});
    }
  }
  {
    v1::CreateTicketRequest anon =
        OrderOf("rot-anon", callers[0], v1::REQUEST_TYPE_SUGGESTION);
    anon.clear_caller();
    v1::CreateTicketResponse resp;
    ASSERT_TRUE(old_client.Create(anon, &resp).ok());
  }
  db::ConnectionPool& pool = (*svc)->instance().pool();
  EXPECT_EQ(Count(pool,
                  "SELECT COUNT(*) FROM ticket WHERE caller_key_id = "
                  "'ka' AND caller_hash_key = 'ha'"),
            8);

  // Step 1 of the procedure: the replicas restart with B first, A kept.
  KeyFile ab(absl::StrCat("kb ", kAesB, "\nka ", kAesA, "\nhmac hb ", kHmacB,
                          "\nhmac ha ", kHmacA, "\n"));
  ab.Use();
  auto replica = Replica(**svc);
  ASSERT_NE(replica, nullptr);
  Client client(absl::StrCat("127.0.0.1:", replica->port()));
  {
    v1::CreateTicketResponse resp;
    ASSERT_TRUE(
        client
            .Create(OrderOf("rot-new", callers[1], v1::REQUEST_TYPE_COMPLAINT),
                    &resp)
            .ok());
    orders.push_back({resp.ticket().ticket_id(), callers[1]});
    // Same caller under the old hash key: still suggested as a repeat.
    bool same_caller = false;
    for (const auto& c : resp.repeat_candidates()) {
      same_caller |= c.signal() == v1::REPEAT_SIGNAL_SAME_CALLER;
    }
    EXPECT_TRUE(same_caller);
  }
  int next_reveal = 0;
  auto all_readable = [&](Client& c, const std::string& when) {
    for (const auto& [id, who] : orders) {
      v1::RevealCallerResponse r;
      grpc::Status s = c.Reveal(absl::StrCat("rot-rv-", next_reveal++), id,
                                v1::REVEAL_PURPOSE_FOLLOW_UP,
                                "回访核实办理结果", kCenterToken, &r);
      ASSERT_TRUE(s.ok()) << when << ": " << s.error_message();
      EXPECT_EQ(r.caller().phone(), who.phone) << when;
      EXPECT_EQ(r.caller().name(), who.name) << when;
      EXPECT_EQ(r.caller().id_number(), who.id_number) << when;
    }
    for (const Caller& who : callers) {
      const size_t expected = who.phone == callers[1].phone ? 3 : 2;
      EXPECT_EQ(c.ByPhone(who.phone).size(), expected) << when << who.phone;
    }
  };
  all_readable(client, "before");

  // Half way: two batches of two rows, then the process stops.
  auto crypto = CallerCrypto::LoadFile(ab.path());
  ASSERT_TRUE(crypto.ok()) << crypto.status();
  {
    MysqlKeyRotationStore store(&replica->pool());
    RotationOptions o;
    o.batch_size = 2;
    o.max_batches = 2;
    auto p = RotateCallerKeys(store, *crypto, o);
    ASSERT_TRUE(p.ok()) << p.status();
    EXPECT_FALSE(p->finished);
    EXPECT_EQ(p->rewritten, 4);
    EXPECT_EQ(p->target, "kb/hb");
  }
  // A batch that dies half way (the second row fails) changes nothing.
  {
    MysqlKeyRotationStore store(&replica->pool());
    const RotationTarget target{"kb", "hb"};
    int seen = 0;
    auto died = store.RunBatch(
        target, 3,
        [&](const CallerKeyRow& row)
            -> absl::StatusOr<std::optional<CallerKeyRow>> {
          if (++seen == 2) return absl::InternalError("killed");
          return RekeyRow(*crypto, row);
        },
        absl::Now());
    EXPECT_FALSE(died.ok());
  }
  EXPECT_EQ(Count(pool,
                  "SELECT COUNT(*) FROM ticket WHERE caller_key_id = "
                  "'ka'"),
            4);
  EXPECT_EQ(Count(pool, "SELECT rewritten FROM caller_key_rotation"), 4);
  all_readable(client, "half way");

  // The operator command resumes it, while a reader keeps revealing.
  std::atomic<bool> done{false};
  std::atomic<int> read_errors{0}, reads{0};
  std::thread reader([&] {
    Client c(absl::StrCat("127.0.0.1:", replica->port()));
    int n = 0;
    while (!done.load()) {
      for (const auto& [id, who] : orders) {
        v1::RevealCallerResponse r;
        grpc::Status s = c.Reveal(absl::StrCat("rot-bg-", n++), id,
                                  v1::REVEAL_PURPOSE_FOLLOW_UP,
                                  "回访核实办理结果", kCenterToken, &r);
        ++reads;
        if (!s.ok() || r.caller().phone() != who.phone) ++read_errors;
      }
    }
  });
  const std::string command = absl::StrCat(
      HOTLINE_BINARY_DIR, "/services/intake/hotline-intake rotate-keys",
      " --mysql='", (*svc)->instance().config().mysql_url,
      "' --caller_key_file=", ab.path(), " --batch_size=2 2>&1");
  std::string output;
  FILE* f = popen(command.c_str(), "r");
  ASSERT_NE(f, nullptr);
  char buf[512];
  while (fgets(buf, sizeof buf, f) != nullptr) output += buf;
  const int rc = pclose(f);
  done = true;
  reader.join();
  EXPECT_EQ(rc, 0) << output;
  EXPECT_THAT(output, ::testing::HasSubstr("finished"));
  EXPECT_THAT(output, ::testing::HasSubstr("kb/hb"));
  EXPECT_EQ(read_errors.load(), 0);
  EXPECT_GT(reads.load(), 0);
  for (const Caller& who : callers) {
    EXPECT_EQ(output.find(who.phone), std::string::npos);
    EXPECT_EQ(output.find(who.name), std::string::npos);
  }
  EXPECT_EQ(Count(pool,
                  "SELECT COUNT(*) FROM ticket WHERE caller_ct IS NOT "
                  "NULL AND (caller_key_id <> 'kb' OR caller_hash_key "
                  "<> 'hb')"),
            0);
  EXPECT_EQ(Count(pool,
                  "SELECT COUNT(*) FROM caller_key_rotation WHERE "
                  "target = 'kb/hb' AND finished_at IS NOT NULL"),
            1);
  {
    auto conn = pool.Acquire();
    ASSERT_TRUE(conn.ok());
    auto rs = (*conn)->Query(
        "SELECT caller_ct FROM ticket WHERE caller_ct IS NOT NULL");
    ASSERT_TRUE(rs.ok());
    int n = 0;
    while ((*rs)->next()) {
      EXPECT_EQ(CallerCrypto::KeyIdOf(std::string((*rs)->getString(1))), "kb");
      ++n;
    }
    EXPECT_EQ(n, 9);
  }

  // The old key is no longer needed.
  KeyFile b(absl::StrCat("kb ", kAesB, "\nhmac hb ", kHmacB, "\n"));
  b.Use();
  auto only_b = Replica(**svc);
  ASSERT_NE(only_b, nullptr);
  Client b_client(absl::StrCat("127.0.0.1:", only_b->port()));
  all_readable(b_client, "after, with key B only");
  replica->Shutdown();
  only_b->Shutdown();
}

// Whistle-blowers [10(5)]: a REPORT's caller is revealed only by center
// staff, with a reason, audited, while the order is open.
TEST(PrivacyWhistleblowerTest, OnlyCenterStaffWithAReasonWhileOpen) {
  KeyFile keys(absl::StrCat("k2026a ", kAesA, "\nhmac ", kHmacA, "\n"));
  keys.Use();
  ServiceOptions options;
  options.extra_tokens = "staff-longshui-01 UNIT_STAFF town.longshui\n";
  auto svc = ServiceUnderTest::Start(Definition(), options);
  ASSERT_TRUE(svc.ok()) << svc.status();
  Client client((*svc)->address());
  auto sink = v1::EventSink::NewStub((*svc)->channel());
  int64_t next_event = 0;
  std::map<std::string, int64_t> seq;  // per order
  auto publish = [&](v1::TicketEvent e) {
    e.set_event_id(absl::StrCat("routing-wb-", ++next_event));
    e.set_producer("routing");
    e.set_seq(++seq[e.ticket_id()]);
    if (e.ticket_number().empty()) e.set_ticket_number("DZ20240208-000001");
    *e.mutable_occurred_at() = ToProto((*svc)->clock().Now());
    e.mutable_actor()->set_principal_id("system");
    e.mutable_actor()->set_role(v1::SERVICE);
    grpc::ClientContext ctx;
    ServiceUnderTest::Authorize(&ctx, ServiceTokenOf("routing"));
    v1::PublishRequest req;
    req.set_source_service("routing");
    *req.add_events() = e;
    v1::PublishResponse resp;
    ASSERT_TRUE(sink->Publish(&ctx, req, &resp).ok());
    ASSERT_EQ(resp.acknowledged_event_ids_size(), 1);
  };
  const Caller who = Callers()[2];
  v1::CreateTicketResponse created;
  ASSERT_TRUE(
      client.Create(OrderOf("wb-1", who, v1::REQUEST_TYPE_REPORT), &created)
          .ok());
  const std::string id = created.ticket().ticket_id();
  v1::CreateTicketResponse complaint;
  ASSERT_TRUE(
      client
          .Create(OrderOf("wb-2", Callers()[3], v1::REQUEST_TYPE_COMPLAINT),
                  &complaint)
          .ok());
  for (const std::string& t : {id, complaint.ticket().ticket_id()}) {
    v1::TicketEvent e;
    e.set_ticket_id(t);
    e.mutable_dispatched()->set_unit_id("town.longshui");
    e.mutable_dispatched()->set_dispatch_round(1);
    publish(e);
    v1::TicketEvent reviewed;
    reviewed.set_ticket_id(t);
    reviewed.mutable_reviewed()->set_approved(true);
    publish(reviewed);
  }
  v1::RevealCallerResponse r;
  // The evaluator's callback goes through the center.
  EXPECT_EQ(client
                .Reveal("wb-rv-1", id, v1::REVEAL_PURPOSE_EVALUATION,
                        "满意度回访", kEvaluatorToken, &r)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // ... unlike a complaint's, once approved.
  EXPECT_TRUE(client
                  .Reveal("wb-rv-2", complaint.ticket().ticket_id(),
                          v1::REVEAL_PURPOSE_EVALUATION, "满意度回访",
                          kEvaluatorToken, &r)
                  .ok());
  EXPECT_EQ(client
                .Reveal("wb-rv-3", id, v1::REVEAL_PURPOSE_REPLY, "答复举报人",
                        "staff-longshui-01", &r)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(client
                .Reveal("wb-rv-4", id, v1::REVEAL_PURPOSE_INVESTIGATION, "",
                        kCenterToken, &r)
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(client
                .Reveal("wb-rv-5", id, v1::REVEAL_PURPOSE_INVESTIGATION, "   ",
                        kCenterToken, &r)
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_TRUE(client
                  .Reveal("wb-rv-6", id, v1::REVEAL_PURPOSE_FOLLOW_UP,
                          "核实举报线索，联系举报人补充证据", kCenterToken, &r)
                  .ok());
  EXPECT_EQ(r.caller().phone(), who.phone);
  const std::string audit_id = r.audit_id();
  // Closed: nobody, not even the center.
  v1::TicketEvent closed;
  closed.set_ticket_id(id);
  closed.mutable_closed()->set_reason(v1::CLOSE_REASON_EVALUATION_WINDOW_ENDED);
  publish(closed);
  EXPECT_EQ(client
                .Reveal("wb-rv-7", id, v1::REVEAL_PURPOSE_FOLLOW_UP,
                        "核实举报线索", kCenterToken, &r)
                .error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(client
                .Reveal("wb-rv-8", id, v1::REVEAL_PURPOSE_EVALUATION,
                        "满意度回访", kEvaluatorToken, &r)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // Exactly the one reveal is audited, with its reason.
  grpc::ClientContext ctx;
  ServiceUnderTest::Authorize(&ctx, kAuditorToken);
  v1::ListRevealAuditRequest req;
  req.set_ticket_id(id);
  v1::ListRevealAuditResponse audit;
  ASSERT_TRUE(client.stub().ListRevealAudit(&ctx, req, &audit).ok());
  ASSERT_EQ(audit.entries_size(), 1);
  EXPECT_EQ(audit.entries(0).audit_id(), audit_id);
  EXPECT_EQ(audit.entries(0).actor().role(), v1::CENTER_STAFF);
  EXPECT_EQ(audit.entries(0).reason(), "核实举报线索，联系举报人补充证据");
}

// A unit's staff create and edit knowledge articles of its own unit and of
// the units below it in routing's directory (whose ids do not encode the
// tree); an unrelated town cannot.
TEST(PrivacyKnowledgeTest, TownStaffWriteForTheirCommunitiesOnly) {
  KeyFile keys(absl::StrCat("k2026a ", kAesA, "\nhmac ", kHmacA, "\n"));
  keys.Use();
  auto routing = ServiceUnderTest::Start(routing::Definition());
  ASSERT_TRUE(routing.ok()) << routing.status();
  auto directory = v1::DirectoryService::NewStub((*routing)->channel());
  auto add = [&](const std::string& id, const std::string& name,
                 v1::UnitKind kind, const std::string& parent) {
    grpc::ClientContext ctx;
    ServiceUnderTest::Authorize(&ctx, kCenterToken);
    v1::UpsertUnitRequest req;
    req.set_request_id(absl::StrCat("unit-", id));
    v1::Unit* u = req.mutable_unit();
    u->set_unit_id(id);
    u->set_name(name);
    u->set_kind(kind);
    u->set_parent_unit_id(parent);
    u->set_active(true);
    u->mutable_liaison()->set_name("刘联络员");
    u->mutable_liaison()->set_mobile("13900001111");
    v1::UpsertUnitResponse resp;
    grpc::Status s = directory->UpsertUnit(&ctx, req, &resp);
    ASSERT_TRUE(s.ok()) << id << ": " << s.error_message();
  };
  add("center", "区政务服务管理办", v1::UNIT_KIND_CENTER, "");
  add("town.longshui", "龙水镇", v1::UNIT_KIND_TOWN_STREET, "center");
  add("comm.nanshan", "南山社区居委会", v1::UNIT_KIND_VILLAGE_COMMUNITY,
      "town.longshui");
  add("vill.qiaotou", "桥头村村委会", v1::UNIT_KIND_VILLAGE_COMMUNITY,
      "town.longshui");
  add("grp.qiaotou.3", "桥头村三组", v1::UNIT_KIND_VILLAGE_COMMUNITY,
      "vill.qiaotou");
  add("town.youting", "邮亭镇", v1::UNIT_KIND_TOWN_STREET, "center");
  setenv("HOTLINE_ROUTING", (*routing)->address().c_str(), 1);
  ServiceOptions options;
  options.extra_tokens =
      "staff-longshui-01 UNIT_STAFF town.longshui\n"
      "staff-youting-01 UNIT_STAFF town.youting\n"
      "staff-qiaotou-01 UNIT_STAFF vill.qiaotou\n"
      "staff-nanshan-01 UNIT_STAFF comm.nanshan\n";
  auto svc = ServiceUnderTest::Start(Definition(), options);
  unsetenv("HOTLINE_ROUTING");
  ASSERT_TRUE(svc.ok()) << svc.status();
  auto kb = v1::KnowledgeService::NewStub((*svc)->channel());
  int n = 0;
  auto create = [&](const std::string& owner, const std::string& token,
                    v1::Article* out) {
    v1::CreateArticleRequest c;
    c.set_request_id(absl::StrCat("kb-sub-", ++n));
    c.set_owner_unit_id(owner);
    auto* content = c.mutable_content();
    content->set_title("南山社区垃圾清运时间");
    content->set_body(
        "南山社区生活垃圾每日早七点、晚七点两次清运，大件垃圾请预约。");
    content->add_category_codes("urban.sanitation.garbage");
    content->add_keywords("垃圾清运");
    grpc::ClientContext ctx;
    ServiceUnderTest::Authorize(&ctx, token);
    v1::CreateArticleResponse resp;
    grpc::Status s = kb->CreateArticle(&ctx, c, &resp);
    if (out != nullptr) *out = resp.article();
    return s.error_code();
  };
  v1::Article article;
  EXPECT_EQ(create("comm.nanshan", "staff-longshui-01", &article),
            grpc::StatusCode::OK);
  EXPECT_EQ(create("grp.qiaotou.3", "staff-longshui-01", nullptr),
            grpc::StatusCode::OK);
  EXPECT_EQ(create("grp.qiaotou.3", "staff-qiaotou-01", nullptr),
            grpc::StatusCode::OK);
  EXPECT_EQ(create("town.longshui", "staff-longshui-01", nullptr),
            grpc::StatusCode::OK);
  EXPECT_EQ(create("comm.nanshan", "staff-youting-01", nullptr),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(create("grp.qiaotou.3", "staff-nanshan-01", nullptr),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(create("town.longshui", "staff-nanshan-01", nullptr),
            grpc::StatusCode::PERMISSION_DENIED);
  // The town edits its community's article; the unrelated town cannot.
  auto update = [&](const std::string& token) {
    v1::UpdateArticleRequest u;
    u.set_request_id(absl::StrCat("kb-upd-", ++n));
    u.set_article_id(article.article_id());
    u.set_expected_version(article.version());
    *u.mutable_content() = article.content();
    u.mutable_content()->set_body("南山社区生活垃圾每日早七点、晚七点清运。");
    grpc::ClientContext ctx;
    ServiceUnderTest::Authorize(&ctx, token);
    v1::UpdateArticleResponse resp;
    return kb->UpdateArticle(&ctx, u, &resp).error_code();
  };
  EXPECT_EQ(update("staff-youting-01"), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(update("staff-longshui-01"), grpc::StatusCode::OK);
}

// Migration 016 on an order stored before it (its unkeyed digest of the
// whole request, caller included, and no key ids): the digest is erased and
// the key ids are read from the row; a retry of that order still replays,
// and one with another caller or another title is refused. New orders keep
// a fingerprint without the caller: a retry typing the phone differently
// replays, one with another caller is refused.
TEST(PrivacyMigrationTest, OldDigestsAreErasedAndRetriesStillCompare) {
  KeyFile keys(absl::StrCat("k2026a ", kAesA, "\nhmac ", kHmacA, "\n"));
  keys.Use();
  auto svc = ServiceUnderTest::Start(Definition());
  ASSERT_TRUE(svc.ok()) << svc.status();
  Client client((*svc)->address());
  const std::vector<Caller> callers = Callers();
  const v1::CreateTicketRequest old_order =
      OrderOf("legacy-1", callers[0], v1::REQUEST_TYPE_COMPLAINT);
  v1::CreateTicketResponse first;
  ASSERT_TRUE(client.Create(old_order, &first).ok());
  // As stored before 015/016.
  const std::string old_digest = Digest(
      EVP_sha256(), std::string("CreateTicket", 13) + Deterministic(old_order));
  ASSERT_TRUE((*svc)
                  ->schema()
                  .Execute(absl::StrCat(
                      "UPDATE ticket SET request_hash = UNHEX('",
                      absl::BytesToHexString(old_digest),
                      "'), caller_key_id = '', caller_hash_key = '' WHERE "
                      "request_id = 'legacy-1'"))
                  .ok());
  std::ifstream in(absl::StrCat(HOTLINE_SOURCE_DIR,
                                "/services/intake/store/schema/"
                                "016_erase_request_digests.sql"));
  ASSERT_TRUE(in.good());
  const std::string sql((std::istreambuf_iterator<char>(in)),
                        std::istreambuf_iterator<char>());
  for (const std::string& statement : db::SplitSqlStatements(sql)) {
    ASSERT_TRUE((*svc)->schema().Execute(statement).ok()) << statement;
  }
  db::ConnectionPool& pool = (*svc)->instance().pool();
  EXPECT_EQ(Count(pool,
                  "SELECT COUNT(*) FROM ticket WHERE request_hash IS "
                  "NULL AND caller_key_id = 'k2026a' AND "
                  "caller_hash_key = 'hmac'"),
            1);
  v1::CreateTicketResponse again;
  ASSERT_TRUE(client.Create(old_order, &again).ok());
  EXPECT_TRUE(again.replayed());
  EXPECT_EQ(again.ticket().ticket_id(), first.ticket().ticket_id());
  v1::CreateTicketRequest other_caller = old_order;
  other_caller.mutable_caller()->set_phone(callers[1].phone);
  EXPECT_EQ(client.Create(other_caller, &again).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
  v1::CreateTicketRequest other_title = old_order;
  other_title.set_title("龙水镇五金市场路灯闪烁");
  EXPECT_EQ(client.Create(other_title, &again).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);

  v1::CreateTicketRequest fresh =
      OrderOf("fresh-1", callers[0], v1::REQUEST_TYPE_COMPLAINT);
  ASSERT_TRUE(client.Create(fresh, &first).ok());
  fresh.mutable_caller()->set_phone("+86 138 1234 5678");
  ASSERT_TRUE(client.Create(fresh, &again).ok());
  EXPECT_TRUE(again.replayed());
  EXPECT_EQ(again.ticket().ticket_id(), first.ticket().ticket_id());
  fresh.mutable_caller()->set_name("张三");
  EXPECT_EQ(client.Create(fresh, &again).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
  fresh.clear_caller();
  EXPECT_EQ(client.Create(fresh, &again).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(Count(pool,
                  "SELECT COUNT(*) FROM ticket WHERE request_id = "
                  "'fresh-1' AND request_hash IS NOT NULL"),
            1);
}

}  // namespace
}  // namespace hotline::intake
