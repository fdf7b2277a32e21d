-- The matter taxonomy (事项分类) and the towns/streets of the district, as
-- data. Codes follow common.proto (lower-case, dot-separated, general to
-- specific). Changing the taxonomy is a new migration, not a code change.

CREATE TABLE matter_category (
  code        VARCHAR(64)  NOT NULL,
  name        VARCHAR(64)  NOT NULL,
  parent_code VARCHAR(64)  NOT NULL DEFAULT '',
  sort_order  INT          NOT NULL,
  PRIMARY KEY (code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE taxonomy_meta (
  id       TINYINT     NOT NULL,
  version  VARCHAR(32) NOT NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT INTO taxonomy_meta (id, version) VALUES (1, '2024.1');

INSERT INTO matter_category (code, name, parent_code, sort_order) VALUES
('urban', '城乡建设', '', 100),
('urban.road', '道路设施', 'urban', 110),
('urban.road.damage', '道路破损', 'urban.road', 111),
('urban.road.streetlight', '路灯故障', 'urban.road', 112),
('urban.road.manhole', '井盖缺失破损', 'urban.road', 113),
('urban.housing', '住房与物业', 'urban', 120),
('urban.housing.property', '物业服务', 'urban.housing', 121),
('urban.housing.demolition', '征地拆迁', 'urban.housing', 122),
('urban.housing.quality', '房屋质量', 'urban.housing', 123),
('urban.construction', '建筑施工', 'urban', 130),
('urban.construction.noise', '施工噪声', 'urban.construction', 131),
('urban.construction.illegal', '违法建设', 'urban.construction', 132),
('urban.utility', '水电气', 'urban', 140),
('urban.utility.water', '供水', 'urban.utility', 141),
('urban.utility.power', '供电', 'urban.utility', 142),
('urban.utility.gas', '供气', 'urban.utility', 143),
('urban.sanitation', '市容环卫', 'urban', 150),
('urban.sanitation.garbage', '垃圾清运', 'urban.sanitation', 151),
('urban.sanitation.vendor', '占道经营', 'urban.sanitation', 152),
('transport', '交通运输', '', 200),
('transport.bus', '公交运营', 'transport', 210),
('transport.taxi', '出租车与网约车', 'transport', 220),
('transport.parking', '停车管理', 'transport', 230),
('transport.rural_road', '农村公路', 'transport', 240),
('eco', '生态环境', '', 300),
('eco.air', '大气污染', 'eco', 310),
('eco.water', '水污染', 'eco', 320),
('eco.noise', '噪声扰民', 'eco', 330),
('eco.waste', '固体废物', 'eco', 340),
('labor', '劳动保障', '', 400),
('labor.wage', '欠薪', 'labor', 410),
('labor.contract', '劳动合同', 'labor', 420),
('labor.employment', '就业创业', 'labor', 430),
('market', '市场监管', '', 500),
('market.food', '食品安全', 'market', 510),
('market.price', '价格投诉', 'market', 520),
('market.consumer', '消费维权', 'market', 530),
('market.license', '证照办理', 'market', 540),
('education', '教育', '', 600),
('education.enrollment', '招生入学', 'education', 610),
('education.fees', '教育收费', 'education', 620),
('education.training', '校外培训', 'education', 630),
('health', '医疗卫生', '', 700),
('health.service', '医疗服务', 'health', 710),
('health.insurance', '医保报销', 'health', 720),
('health.epidemic', '疾病防控', 'health', 730),
('social', '社会保障', '', 800),
('social.pension', '养老保险', 'social', 810),
('social.assistance', '社会救助', 'social', 820),
('social.disability', '残疾人服务', 'social', 830),
('social.elderly', '养老服务', 'social', 840),
('safety', '公共安全', '', 900),
('safety.fire', '消防安全', 'safety', 910),
('safety.production', '安全生产', 'safety', 920),
('safety.public_order', '社会治安', 'safety', 930),
('agri', '农业农村', '', 1000),
('agri.subsidy', '惠农补贴', 'agri', 1010),
('agri.land', '土地承包', 'agri', 1020),
('gov', '政务服务', '', 1100),
('gov.service', '办事服务', 'gov', 1110),
('gov.conduct', '工作作风', 'gov', 1120),
('culture', '文化旅游', '', 1200),
('culture.tourism', '旅游服务', 'culture', 1210),
('other', '其他', '', 9900);

-- Towns and streets (镇街) of Dazu District: 6 streets and 21 towns, the same
-- codes as routing's data/directory/dazu_sample.csv. SAMPLE DATA: the authoritative
-- directory is routing's DirectoryService (unit kind TOWN_STREET); no event
-- carries directory changes yet, so intake keeps this copy and validates
-- Location.town_code against it. Keep it in step with routing's directory.
CREATE TABLE town (
  code  VARCHAR(32)  NOT NULL,
  name  VARCHAR(64)  NOT NULL,
  PRIMARY KEY (code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT INTO town (code, name) VALUES
('town.longgang', '龙岗街道'),
('town.tangxiang', '棠香街道'),
('town.zhifeng', '智凤街道'),
('town.longtanzi', '龙滩子街道'),
('town.shuanglu', '双路街道'),
('town.tongqiao', '通桥街道'),
('town.longshui', '龙水镇'),
('town.youting', '邮亭镇'),
('town.baoding', '宝顶镇'),
('town.zhongao', '中敖镇'),
('town.sanqu', '三驱镇'),
('town.baoxing', '宝兴镇'),
('town.yulong', '玉龙镇'),
('town.shima', '石马镇'),
('town.shiwan', '拾万镇'),
('town.huilong', '回龙镇'),
('town.jinshan', '金山镇'),
('town.wangu', '万古镇'),
('town.guoliang', '国梁镇'),
('town.yongxi', '雍溪镇'),
('town.zhuxi', '珠溪镇'),
('town.longshi', '龙石镇'),
('town.gaosheng', '高升镇'),
('town.jijia', '季家镇'),
('town.gulong', '古龙镇'),
('town.gaoping', '高坪镇'),
('town.tieshan', '铁山镇');
