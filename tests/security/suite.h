#pragma once

// The four services in one test process, for the security tests: each a
// real ServiceUnderTest (its own schema on the test MariaDB, real gRPC,
// manual clock), with unit principals around one unit, and orders built the
// way the suite builds them: intake creates, the events travel as each
// producer's relay would send them (with the producer's own SERVICE token,
// Ship), routing dispatches to a town which forwards to its community, and
// the community asks deadline for an extension and drafts an article.

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "tests/support/service_fixture.h"

namespace hotline::security {

// The order's unit X and its relatives (tests/security/authz_matrix.csv).
inline constexpr char kOwnUnit[] = "comm.longshui.nanshan";   // holds it
inline constexpr char kParentUnit[] = "town.longshui";        // forwarded it
inline constexpr char kSubUnit[] = "grid.longshui.nanshan1";  // below X
inline constexpr char kUnrelatedUnit[] = "town.longgang";

inline constexpr char kStaffOwn[] = "sec-staff-own-01";
inline constexpr char kLeadOwn[] = "sec-lead-own-001";
inline constexpr char kStaffParent[] = "sec-staff-parent";
inline constexpr char kLeadParent[] = "sec-lead-parent1";
inline constexpr char kStaffSub[] = "sec-staff-sub-01";
inline constexpr char kLeadSub[] = "sec-lead-sub-001";
inline constexpr char kStaffUnrelated[] = "sec-staff-other1";
inline constexpr char kLeadUnrelated[] = "sec-lead-other01";

// A gRPC call with serialized bytes: `method` is "/hotline.v1.X/Y"; `token`
// empty sends no authorization.
grpc::Status CallRaw(const std::shared_ptr<grpc::Channel>& channel,
                     const std::string& method, const std::string& token,
                     const std::string& request, std::string* response);

template <typename Req, typename Resp>
grpc::Status Call(const std::shared_ptr<grpc::Channel>& channel,
                  const std::string& method, const std::string& token,
                  const Req& req, Resp* resp) {
  std::string out;
  grpc::Status s =
      CallRaw(channel, method, token, req.SerializeAsString(), &out);
  if (s.ok() && !resp->ParseFromString(out)) {
    return grpc::Status(grpc::StatusCode::INTERNAL, "unparsable response");
  }
  return s;
}

struct Order {
  std::string ticket_id;
  std::string ticket_number;
  std::string extension_id;  // pending, asked by kOwnUnit
  std::string article_id;    // a draft owned by kOwnUnit
};

class Suite {
 public:
  static absl::StatusOr<std::unique_ptr<Suite>> Start();

  testing::ServiceUnderTest& Of(const std::string& service);
  std::shared_ptr<grpc::Channel> Channel(const std::string& service) {
    return Of(service).channel();
  }

  // Sends every event `from` wrote for `ticket` to `to`, with `from`'s
  // token, as its relay would (already applied ones are acknowledged again).
  // FAILED_PRECONDITION if some stay unacknowledged.
  absl::Status Ship(const std::string& from, const std::string& to,
                    const std::string& ticket);
  // Every flow of the suite for `ticket`, twice (so that an event whose
  // predecessor travelled on another flow gets through).
  absl::Status ShipAll(const std::string& ticket);

  // A new order held by kOwnUnit (see the header comment).
  absl::StatusOr<Order> NewOrder();

 private:
  Suite() = default;
  std::unique_ptr<testing::ServiceUnderTest> intake_, routing_, deadline_,
      assessment_;
  int next_ = 0;
};

}  // namespace hotline::security
