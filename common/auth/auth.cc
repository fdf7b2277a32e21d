#include "common/auth/auth.h"

#include <openssl/sha.h>

#include <array>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace hotline::auth {
namespace {

constexpr std::array<std::pair<Role, absl::string_view>, 8> kRoleNames = {{
    {Role::kCallAgent, "CALL_AGENT"},
    {Role::kCenterStaff, "CENTER_STAFF"},
    {Role::kUnitStaff, "UNIT_STAFF"},
    {Role::kUnitLead, "UNIT_LEAD"},
    {Role::kEvaluator, "EVALUATOR"},
    {Role::kAuditor, "AUDITOR"},
    {Role::kService, "SERVICE"},
    {Role::kChannelGateway, "CHANNEL_GATEWAY"},
}};

constexpr std::array<absl::string_view, 4> kServiceNames = {
    "intake", "routing", "deadline", "assessment"};

std::string Digest(absl::string_view token) {
  unsigned char out[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(),
         out);
  return std::string(reinterpret_cast<const char*>(out), sizeof(out));
}

}  // namespace

bool IsServiceName(absl::string_view name) {
  for (absl::string_view s : kServiceNames) {
    if (s == name) return true;
  }
  return false;
}

absl::string_view RoleName(Role role) {
  for (const auto& [r, name] : kRoleNames) {
    if (r == role) return name;
  }
  return "UNKNOWN";
}

std::optional<Role> RoleFromName(absl::string_view name) {
  for (const auto& [r, n] : kRoleNames) {
    if (n == name) return r;
  }
  return std::nullopt;
}

absl::StatusOr<TokenStore> TokenStore::Parse(absl::string_view text) {
  TokenStore store;
  int line_no = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_no;
    if (size_t hash = line.find('#'); hash != absl::string_view::npos) {
      line = line.substr(0, hash);
    }
    std::vector<absl::string_view> fields =
        absl::StrSplit(line, absl::ByAnyChar(" \t\r"), absl::SkipEmpty());
    if (fields.empty()) continue;
    auto bad = [&](absl::string_view why) {
      return absl::InvalidArgumentError(
          absl::StrCat("token file line ", line_no, ": ", why));
    };
    if (fields.size() < 2 || fields.size() > 3) {
      return bad("expected TOKEN ROLE [UNIT_ID | SERVICE_NAME]");
    }
    if (fields[0].size() < 8) return bad("token shorter than 8 characters");
    std::optional<Role> role = RoleFromName(fields[1]);
    if (!role) return bad(absl::StrCat("unknown role \"", fields[1], "\""));
    Principal p;
    p.role = *role;
    if (p.role == Role::kService) {
      if (fields.size() == 3) {
        if (!IsServiceName(fields[2])) {
          return bad(absl::StrCat(
              "SERVICE names one of intake, routing, deadline, assessment, "
              "not \"",
              fields[2], "\""));
        }
        p.service = std::string(fields[2]);
      }
    } else if (fields.size() == 3) {
      p.unit_id = std::string(fields[2]);
    }
    if ((p.role == Role::kUnitStaff || p.role == Role::kUnitLead) &&
        p.unit_id.empty()) {
      return bad(absl::StrCat(fields[1], " must name its UNIT_ID"));
    }
    std::string digest = Digest(fields[0]);
    p.id = absl::StrCat("tok-", absl::BytesToHexString(digest.substr(0, 4)));
    if (!store.by_digest_.emplace(std::move(digest), std::move(p)).second) {
      return bad("token listed twice");
    }
  }
  return store;
}

absl::StatusOr<TokenStore> TokenStore::LoadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("token file ", path, " cannot be read"));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  auto store = Parse(buffer.str());
  if (!store.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", store.status().message()));
  }
  return store;
}

absl::StatusOr<Principal> TokenStore::Authenticate(
    std::optional<absl::string_view> authorization) const {
  if (!authorization.has_value()) {
    return absl::UnauthenticatedError(
        "missing authorization metadata (Bearer token)");
  }
  absl::string_view value = absl::StripAsciiWhitespace(*authorization);
  if (!absl::ConsumePrefix(&value, "Bearer ") &&
      !absl::ConsumePrefix(&value, "bearer ")) {
    return absl::UnauthenticatedError(
        "authorization must be \"Bearer <token>\"");
  }
  auto it = by_digest_.find(Digest(absl::StripAsciiWhitespace(value)));
  if (it == by_digest_.end()) {
    return absl::UnauthenticatedError("unknown bearer token");
  }
  return it->second;
}

absl::Status RequireRole(const Principal& principal,
                         std::initializer_list<Role> roles) {
  for (Role r : roles) {
    if (principal.role == r) return absl::OkStatus();
  }
  std::vector<absl::string_view> names;
  for (Role r : roles) names.push_back(RoleName(r));
  return absl::PermissionDeniedError(absl::StrCat(
      "role ", RoleName(principal.role), " may not do this; requires ",
      absl::StrJoin(names, " or ")));
}

absl::Status RequireNamedService(const Principal& principal) {
  if (absl::Status s = RequireRole(principal, {Role::kService}); !s.ok()) {
    return s;
  }
  if (principal.service.empty()) {
    return absl::PermissionDeniedError(
        "this SERVICE token names no service (token file: TOKEN SERVICE "
        "<intake|routing|deadline|assessment>)");
  }
  return absl::OkStatus();
}

absl::Status RequireUnit(const Principal& principal,
                         absl::string_view unit_id) {
  if (!principal.unit_id.empty() && principal.unit_id == unit_id) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(
      absl::StrCat("principal of unit \"", principal.unit_id,
                   "\" may not act for unit \"", unit_id, "\""));
}

}  // namespace hotline::auth
