#pragma once

// Principals and roles (DESIGN.md §6) and bearer-token authentication.
//
// Token file: one principal a line, `TOKEN ROLE [UNIT_ID | SERVICE_NAME]`;
// `#` starts a comment; blank lines are ignored. UNIT_STAFF and UNIT_LEAD must
// name their unit. A SERVICE line names its service:
//
//   s3cr3t-routing-token  SERVICE  routing
//
// (one of intake, routing, deadline, assessment). A SERVICE line without a
// name stays valid for compatibility (departmental systems that called with
// SERVICE before services had names): such a principal keeps the SERVICE
// rights that need no name (e.g. Dispatch by a catalogue rule, GetDuty,
// LoadYear), but publishes no event (EventSink needs the producer's name)
// and, with mutual TLS, is bound to no certificate. CHANNEL_GATEWAY names
// nothing. Clients send `authorization: Bearer TOKEN`.
//
// Tokens are kept only as SHA-256 digests, so a lookup does not compare secrets
// byte by byte and a memory dump does not reveal them. A principal's `id` is a
// short fingerprint of its token ("tok-1a2b3c4d"), safe to log and audit.

#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace hotline::auth {

enum class Role {
  kCallAgent,       // CALL_AGENT: call-center agent, creates orders
  kCenterStaff,     // CENTER_STAFF: the center; dispatches, reviews, supervises
  kUnitStaff,       // UNIT_STAFF: bound to one unit; sees its subtree's orders
  kUnitLead,        // UNIT_LEAD: decides its sub-units' matters (extensions)
  kEvaluator,       // EVALUATOR: third-party satisfaction callbacks
  kAuditor,         // AUDITOR: reads audit logs
  kService,         // SERVICE: service-to-service calls (events)
  kChannelGateway,  // CHANNEL_GATEWAY: call-center gateway, CreateTicket only
};

// The services of the suite, as a SERVICE token names them.
bool IsServiceName(absl::string_view name);

absl::string_view RoleName(Role role);  // "CENTER_STAFF", ...
std::optional<Role> RoleFromName(absl::string_view name);

struct Principal {
  std::string id;  // token fingerprint, e.g. "tok-1a2b3c4d"
  Role role;
  std::string unit_id;  // empty unless bound to a unit
  // SERVICE only: the service this token belongs to ("routing"); empty for
  // an unnamed (legacy) SERVICE line.
  std::string service;

  bool Is(Role r) const { return role == r; }
  // True for a SERVICE principal named `name`.
  bool IsService(absl::string_view name) const {
    return role == Role::kService && !service.empty() && service == name;
  }
};

// Immutable after construction; thread-safe.
class TokenStore {
 public:
  // Parses token-file text. Errors name the line number.
  static absl::StatusOr<TokenStore> Parse(absl::string_view text);
  static absl::StatusOr<TokenStore> LoadFile(const std::string& path);

  // `authorization` is the request's authorization header, if any.
  // UNAUTHENTICATED when it is absent, not a bearer token, or unknown.
  absl::StatusOr<Principal> Authenticate(
      std::optional<absl::string_view> authorization) const;

  size_t size() const { return by_digest_.size(); }

 private:
  absl::flat_hash_map<std::string, Principal> by_digest_;
};

// PERMISSION_DENIED unless the principal has one of `roles`. The message names
// the principal's role and what was required, never a token.
absl::Status RequireRole(const Principal& principal,
                         std::initializer_list<Role> roles);

// PERMISSION_DENIED unless the principal is a SERVICE that names its service
// (any of the four), e.g. to publish events.
absl::Status RequireNamedService(const Principal& principal);

// PERMISSION_DENIED unless the principal is bound to `unit_id`.
absl::Status RequireUnit(const Principal& principal, absl::string_view unit_id);

}  // namespace hotline::auth
