#include "common/server/actor.h"

namespace hotline::server {

v1::Role ToProtoRole(auth::Role role) {
  switch (role) {
    case auth::Role::kCallAgent:
      return v1::CALL_AGENT;
    case auth::Role::kCenterStaff:
      return v1::CENTER_STAFF;
    case auth::Role::kUnitStaff:
      return v1::UNIT_STAFF;
    case auth::Role::kUnitLead:
      return v1::UNIT_LEAD;
    case auth::Role::kEvaluator:
      return v1::EVALUATOR;
    case auth::Role::kAuditor:
      return v1::AUDITOR;
    case auth::Role::kService:
      return v1::SERVICE;
    case auth::Role::kChannelGateway:
      return v1::CHANNEL_GATEWAY;
  }
  return v1::ROLE_UNSPECIFIED;
}

v1::Actor ActorOf(const auth::Principal& who) {
  v1::Actor actor;
  actor.set_principal_id(who.id);
  actor.set_role(ToProtoRole(who.role));
  actor.set_unit_id(who.unit_id);
  return actor;
}

}  // namespace hotline::server
