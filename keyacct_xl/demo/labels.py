"""English names of the demo's code lists; company, person and product names stay Chinese in both languages."""

from __future__ import annotations

from keyacct_xl.demo.geo import CITIES
from keyacct_xl.master.model import Master

REGIONS = {
    "华东": "East China",
    "华南": "South China",
    "华北": "North China",
    "华中": "Central China",
    "西南": "Southwest China",
    "西北": "Northwest China",
    "东北": "Northeast China",
}
# GB/T 4754-2017 sections. Every list a form also offers takes the form's English (templates/forms/_lists.yaml),
# so a form returned from an English master matches its dropdowns (tests/test_demo.py checks each).
INDUSTRIES = {
    "农、林、牧、渔业": "Agriculture, forestry, animal husbandry, fishery",
    "采矿业": "Mining",
    "制造业": "Manufacturing",
    "电力、热力、燃气及水的生产和供应业": "Utilities",
    "建筑业": "Construction",
    "批发和零售业": "Wholesale and retail",
    "交通运输、仓储和邮政业": "Transport, storage and post",
    "住宿和餐饮业": "Accommodation and catering",
    "信息传输、软件和信息技术服务业": "Information and software services",
    "金融业": "Finance",
    "房地产业": "Real estate",
    "租赁和商务服务业": "Leasing and business services",
    "科学研究和技术服务业": "Research and technical services",
    "水利、环境和公共设施管理业": "Water, environment and public facilities",
    "居民服务、修理和其他服务业": "Household and repair services",
    "教育": "Education",
    "卫生和社会工作": "Health and social work",
    "文化、体育和娱乐业": "Culture, sports and entertainment",
    "其他": "Other",
}
NATURES = {
    "私营企业": "Private",
    "国有企业": "State-owned",
    "合资企业": "Joint venture",
    "外资企业": "Foreign-owned",
    "其他": "Other",
}
OUTLETS = {
    "批发店": "Wholesaler",
    "零售商": "Retailer",
    "代理店": "Agent",
    "特约店": "Appointed dealer",
    "连锁店": "Chain",
    "专营店": "Specialty store",
}
LOCATIONS = {
    "商业中心店": "Business centre",
    "交通枢纽店": "Transport hub",
    "居民区店": "Residential area",
    "其他": "Other",
}
CUSTOMER_CATEGORIES = {"重要客户": "Important", "主要客户": "Major", "普通客户": "Ordinary", "潜在客户": "Potential"}
PRODUCT_CATEGORIES = {
    "液压油": "Hydraulic oil",
    "发动机油": "Engine oil",
    "齿轮油": "Gear oil",
    "润滑脂": "Grease",
    "金属加工液": "Metalworking fluid",
    "专用油": "Special oils",
    "清洗养护": "Cleaning and care",
    "滤清器配件": "Filters and parts",
}
VISIT_METHODS = {"面访": "Face-to-face", "电话": "Phone", "邮件": "E-mail", "其他": "Other"}
RATINGS = {"很好": "Excellent", "好": "Good", "一般": "Fair", "差": "Poor", "很差": "Very poor"}
STAGES = {
    "线索": "Lead",
    "初步接触": "Contacted",
    "需求确认": "Qualified",
    "方案报价": "Proposal",
    "商务谈判": "Negotiation",
    "赢单": "Won",
    "输单": "Lost",
}
DECISION_ROLES = {"决策者": "Decision maker", "影响者": "Influencer", "使用者": "User", "采购": "Buyer"}
PAYMENT_METHODS = {
    "银行转账": "Bank transfer",
    "承兑汇票": "Bank acceptance bill",
    "现金": "Cash",
    "微信支付": "WeChat Pay",
}
CITY_NAMES = {c.name: c.pinyin for c in CITIES}
CREDIT_OVERRIDES = {"销售经理特批账期": "Terms approved by the sales manager"}

# (table attribute, column) -> its zh -> en code list.
TRANSLATED: dict[tuple[str, str], dict[str, str]] = {
    ("customers", "region"): REGIONS,
    ("customers", "city"): CITY_NAMES,
    ("customers", "industry"): INDUSTRIES,
    ("customers", "enterprise_nature"): NATURES,
    ("customers", "outlet_type"): OUTLETS,
    ("customers", "location_type"): LOCATIONS,
    ("customers", "category"): CUSTOMER_CATEGORIES,
    ("transactions", "category"): PRODUCT_CATEGORIES,
    ("payments", "method"): PAYMENT_METHODS,
    ("visits", "method"): VISIT_METHODS,
    ("visits", "rating"): RATINGS,
    ("opportunities", "stage"): STAGES,
    ("competitors", "city"): CITY_NAMES,
    ("competitors", "category"): PRODUCT_CATEGORIES,
    ("contacts", "decision_role"): DECISION_ROLES,
    ("customers", "credit_override"): CREDIT_OVERRIDES,
}


def translate_codes(master: Master) -> None:
    """Replace the code-list values of ``master`` with their English names (in place)."""
    for (attr, column), names in TRANSLATED.items():
        frame = getattr(master, attr)
        frame[column] = frame[column].map(lambda v, names=names: names.get(v, v) if isinstance(v, str) else v)
