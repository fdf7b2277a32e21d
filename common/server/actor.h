#pragma once

// The principal of a call as the contracts record it (hotline.v1.Actor).

#include "common/auth/auth.h"
#include "hotline/v1/common.pb.h"

namespace hotline::server {

v1::Role ToProtoRole(auth::Role role);

// principal_id, role and unit of `who`.
v1::Actor ActorOf(const auth::Principal& who);

}  // namespace hotline::server
