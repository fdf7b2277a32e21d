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

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

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
  // UNIT_STAFF or UNIT_LEAD: acts for unit_id and sees only its subtree.
  bool IsUnitRole() const {
    return role == Role::kUnitStaff || role == Role::kUnitLead;
  }
  // True for a SERVICE principal named `name`.
  bool IsService(absl::string_view name) const {
    return role == Role::kService && !service.empty() && service == name;
  }
};

// Who presents a bearer token: a TokenStore, or a TokenFile that re-reads
// its file. Implementations are thread-safe.
class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // `authorization` is the request's authorization header, if any.
  // UNAUTHENTICATED when it is absent, not a bearer token, or unknown.
  virtual absl::StatusOr<Principal> Authenticate(
      std::optional<absl::string_view> authorization) const = 0;
};

// Immutable after construction; thread-safe.
class TokenStore final : public Authenticator {
 public:
  // Parses token-file text. Errors name the line number.
  static absl::StatusOr<TokenStore> Parse(absl::string_view text);
  static absl::StatusOr<TokenStore> LoadFile(const std::string& path);

  absl::StatusOr<Principal> Authenticate(
      std::optional<absl::string_view> authorization) const override;

  size_t size() const { return by_digest_.size(); }

 private:
  absl::flat_hash_map<std::string, Principal> by_digest_;
};

// A token file that can be re-read while the service runs (SIGHUP, or a
// poll that notices the file changed). Each load parses the whole file into
// a new TokenStore and swaps it in at once: a call is authenticated against
// the old table or the new one, never a mix. A file that cannot be read or
// parsed leaves the tokens as they were (the error is returned for the
// caller to log). Thread-safe.
class TokenFile final : public Authenticator {
 public:
  // Loads `path`; errors as TokenStore::LoadFile.
  static absl::StatusOr<std::unique_ptr<TokenFile>> Open(std::string path);

  absl::StatusOr<Principal> Authenticate(
      std::optional<absl::string_view> authorization) const override;

  // Re-reads the file whatever its state. OK: the new tokens are in use.
  // An error: the old ones still are. A file that changed while it was read
  // (written in place, not renamed into place) is not taken: UNAVAILABLE,
  // and the next poll reads it again.
  absl::Status Reload();

  // Reload() if the file's identity (device, inode, size, modification time)
  // differs from that of the last attempt; false when unchanged. A broken
  // file is reported once, not at every poll, until it changes again.
  absl::StatusOr<bool> ReloadIfChanged();

  const std::string& path() const { return path_; }
  size_t size() const;  // principals in the current table

 private:
  struct Identity {
    dev_t dev = 0;
    ino_t ino = 0;
    off_t size = -1;
    int64_t mtime_ns = -1;
    bool operator==(const Identity& o) const {
      return dev == o.dev && ino == o.ino && size == o.size &&
             mtime_ns == o.mtime_ns;
    }
  };
  explicit TokenFile(std::string path) : path_(std::move(path)) {}
  static std::optional<Identity> Stat(const std::string& path);

  const std::string path_;
  absl::Mutex reload_mu_;  // one load at a time
  std::optional<Identity> seen_ ABSL_GUARDED_BY(reload_mu_);
  mutable absl::Mutex mu_;
  std::shared_ptr<const TokenStore> current_ ABSL_GUARDED_BY(mu_);
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
