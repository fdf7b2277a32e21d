#include "tools/loadgen/orders.h"

#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace hotline::loadgen {
namespace {

template <typename T, size_t N>
const T& Pick(std::mt19937& rng, const T (&items)[N]) {
  return items[rng() % N];
}

const char* const kTowns[] = {
    "town.longgang", "town.tangxiang", "town.zhifeng",  "town.longtanzi",
    "town.shuanglu", "town.tongqiao",  "town.longshui", "town.youting",
    "town.baoding",  "town.zhongao",   "town.sanqu",    "town.baoxing",
    "town.yulong",   "town.shima",     "town.shiwan",   "town.huilong",
    "town.jinshan",  "town.wangu",     "town.guoliang", "town.yongxi",
    "town.zhuxi",    "town.longshi",   "town.gaosheng", "town.jijia",
    "town.gulong",   "town.gaoping",   "town.tieshan"};

struct Template {
  const char* category;
  v1::RequestType type;
  const char* title;
  const char* content;
};
const Template kTemplates[] = {
    {"urban.road.streetlight", v1::REQUEST_TYPE_HELP_SEEKING, "路灯不亮",
     "小区门口%d号路灯已经坏了好几天，晚上出行很不方便，请尽快维修。"},
    {"urban.road.damage", v1::REQUEST_TYPE_COMPLAINT, "道路破损",
     "%d路公交站旁边的路面出现大坑，雨天积水，电动车经过容易摔倒。"},
    {"eco.noise", v1::REQUEST_TYPE_COMPLAINT, "夜间施工噪声扰民",
     "附近工地每晚十一点后仍在施工，噪声很大，影响%d户居民休息。"},
    {"labor.wage", v1::REQUEST_TYPE_HELP_SEEKING, "拖欠工资",
     "来电人反映在某建筑工地务工，被拖欠工资%d元，多次讨要无果。"},
    {"market.food", v1::REQUEST_TYPE_REPORT, "食品安全举报",
     "举报某餐馆使用过期食材，来电人于%d日就餐后出现腹泻症状。"},
    {"education.enrollment", v1::REQUEST_TYPE_CONSULTATION, "入学咨询",
     "咨询孩子今年秋季入学需要准备哪些材料，户籍在本区第%d社。"},
    {"social.pension", v1::REQUEST_TYPE_CONSULTATION, "养老保险咨询",
     "咨询城乡居民养老保险每年缴费档次，来电人今年%d岁。"},
    {"urban.sanitation.garbage", v1::REQUEST_TYPE_SUGGESTION, "垃圾清运",
     "建议增加%d号楼旁垃圾桶的清运次数，夏天气味很大。"},
};

const char* const kPlaces[] = {
    "五金市场", "人民公园", "客运站",   "中医院",   "实验小学",
    "农贸市场", "滨河路",   "北山路",   "昌州大道", "石刻广场",
    "龙岗小区", "新城花园", "工业园区", "汽车站",   "五星大道",
    "南山社区", "桥头村",   "邮电路",   "育才路",   "宝顶山游客中心"};
const char* const kDetails[] = {
    "已经反映过两次", "影响老人和小孩", "周边商户意见很大", "附近有学校",
    "晚上尤其严重",   "雨天更明显",     "希望尽快答复",     "物业说不归他们管",
    "社区已经知道",   "持续了半个月"};

}  // namespace

v1::CreateTicketRequest MakeOrder(const std::string& run, int i) {
  return MakeOrder(run, i, 12345);
}

v1::CreateTicketRequest MakeOrder(const std::string& run, int i,
                                  uint32_t seed_value) {
  std::seed_seq seed{static_cast<uint32_t>(i), seed_value};
  std::mt19937 rng(seed);
  const Template& tp = Pick(rng, kTemplates);
  v1::CreateTicketRequest req;
  req.set_request_id(absl::StrCat(run, "-", i));
  req.set_channel(static_cast<v1::Channel>(1 + rng() % 7));
  req.set_request_type(tp.type);
  req.set_category_code(tp.category);
  req.mutable_location()->set_town_code(Pick(rng, kTowns));
  req.set_title(tp.title);
  req.set_content(
      absl::StrCat(Pick(rng, kPlaces), "：",
                   absl::StrFormat(tp.content, static_cast<int>(rng() % 1000)),
                   Pick(rng, kDetails), "。"));
  req.mutable_caller()->set_name("王女士");
  req.mutable_caller()->set_phone(
      absl::StrFormat("13%d%08d", 5 + rng() % 5, rng() % 100000000));
  return req;
}

const std::vector<CategoryRoute>& OrderCategories() {
  static const auto* const kRoutes = new std::vector<CategoryRoute>{
      {"urban.road.streetlight", "dept.urban"},
      {"urban.road.damage", "dept.transport"},
      {"eco.noise", "dept.ecology"},
      {"labor.wage", "dept.hrss"},
      {"market.food", "dept.market"},
      {"education.enrollment", "dept.education"},
      {"social.pension", "dept.hrss"},
      {"urban.sanitation.garbage", "dept.urban"},
  };
  return *kRoutes;
}

}  // namespace hotline::loadgen
