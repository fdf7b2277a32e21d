#pragma once

// A small directory for routing's tests: the center; 龙水镇 with 南山社区 and
// 桥头村; 龙岗街道; 区城市管理局 with 市容科; 区住房城乡建委.

#include <string>

#include "hotline/v1/routing.pb.h"
#include "services/routing/domain/unit_tree.h"

namespace hotline::routing::testing {

inline v1::Unit MakeUnit(const std::string& id, const std::string& name,
                         v1::UnitKind kind, const std::string& parent, int n) {
  v1::Unit u;
  u.set_unit_id(id);
  u.set_name(name);
  u.set_kind(kind);
  u.set_parent_unit_id(parent);
  u.set_active(true);
  u.set_sort_order(n);
  u.set_version(1);
  auto* c = u.mutable_liaison();
  c->set_name("联络员" + std::to_string(n));
  c->set_mobile("1390000" + std::to_string(1000 + n));
  return u;
}

inline UnitTree SampleTree() {
  UnitTree t;
  t.Put(MakeUnit("center", "区政务服务管理办", v1::UNIT_KIND_CENTER, "", 0));
  t.Put(MakeUnit("town.longshui", "龙水镇", v1::UNIT_KIND_TOWN_STREET, "center",
                 1));
  t.Put(MakeUnit("comm.nanshan", "南山社区居委会",
                 v1::UNIT_KIND_VILLAGE_COMMUNITY, "town.longshui", 2));
  t.Put(MakeUnit("vill.qiaotou", "桥头村村委会",
                 v1::UNIT_KIND_VILLAGE_COMMUNITY, "town.longshui", 3));
  t.Put(MakeUnit("town.longgang", "龙岗街道", v1::UNIT_KIND_TOWN_STREET,
                 "center", 4));
  t.Put(MakeUnit("dept.urban", "区城市管理局", v1::UNIT_KIND_DEPARTMENT,
                 "center", 5));
  t.Put(MakeUnit("sec.urban.shirong", "市容科", v1::UNIT_KIND_SECTION,
                 "dept.urban", 6));
  t.Put(MakeUnit("dept.housing", "区住房城乡建委", v1::UNIT_KIND_DEPARTMENT,
                 "center", 7));
  return t;
}

}  // namespace hotline::routing::testing
