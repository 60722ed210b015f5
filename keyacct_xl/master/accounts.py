"""The master tables of key-account work on people and plans: a key contact's profile (the Mackay-66 answers the
Contacts table has no column for) and the account plan with its score lines and its actions.

Their keys are the form fields' keys (templates/forms/contact_profile.yaml, account_plan.yaml), so a form's header
and lines land in them column by column; consolidation adds the provenance columns
(keyacct_xl.master.submissions.with_provenance). Profile answers about the person are sensitive personal data
(DOMAIN.md, form 3; docs/privacy.md): an export ``--without-sensitive`` leaves them out.
"""

from __future__ import annotations

from keyacct_xl.master.schema import CUSTOMER_ID, Column, ColumnKind, TableSchema
from keyacct_xl.master.schema import column as _c


def _p(key: str, zh: str, en: str, kind: ColumnKind = "text", aliases: str = "", width: int = 14) -> Column:
    """A profile answer about the person: sensitive."""
    return _c(key, zh, en, kind, aliases, width, sensitive=True)


CONTACT_PROFILES = TableSchema(
    "ContactProfiles",
    "contact_profiles",
    "联系人档案",
    "Contact Profiles",
    (
        CUSTOMER_ID,
        _c("name", "姓名", "Name", "text", "联系人|联系人姓名|Contact", 10),
        _c("department", "部门", "Department", "text", "所在部门|Dept", 10),
        _p("office_phone", "办公电话", "Office Phone", "text", "座机|Office Tel"),
        _c("office_address", "办公地址", "Office Address", "text", "办公室地址", 24),
        _p("school", "毕业院校", "School", "text", "院校|学校"),
        _p("military_service", "服役经历", "Military Service", "text", "服役|兵役"),
        _p("height_build", "身高体型", "Height and Build", "text", "体型", 10),
        _p("career_history", "工作经历", "Career History", "text", "履历|工作履历", 24),
        _p("marital_status", "婚姻状况", "Marital Status", "text", "婚否", 8),
        _p("spouse_name", "配偶姓名", "Spouse's Name", "text", "配偶|Spouse", 10),
        _p("spouse_occupation", "配偶职业", "Spouse's Occupation", "text", "配偶工作", 12),
        _p("anniversary", "结婚纪念日", "Wedding Anniversary", "date", "纪念日", 11),
        _p("clubs", "社团/俱乐部", "Clubs", "text", "社团|俱乐部"),
        _p("sports", "喜欢的运动", "Sports", "text", "运动"),
        _p("food_drink", "饮食偏好", "Food and Drink", "text", "饮食|口味"),
        _p("smoking", "吸烟", "Smokes", "text", "是否吸烟", 6),
        _p("drinking", "饮酒", "Drinks", "text", "是否饮酒", 8),
        _p("reading", "阅读/关注话题", "Reading and Topics", "text", "阅读|关注话题", 16),
        _p("vacation", "度假习惯", "Holidays", "text", "度假", 14),
        _p("career_goals", "职业目标", "Career Goals", "text", "事业目标", 20),
        _p("proudest_achievement", "最得意的成就", "Proudest Achievement", "text", "成就", 20),
        _c("attitude_to_us", "对我司态度", "Attitude to Us", "text", "态度", 8),
        _p("competitor_ties", "与竞争对手关系", "Ties with Competitors", "text", "竞争对手关系", 18),
        _c("biggest_concern", "工作中最关心的问题", "Biggest Concern at Work", "text", "最关心的问题|关注点", 20),
    ),
)

_YEAR = _c("year", "年度", "Year", "int", "计划年度|Plan Year", 6)

ACCOUNT_PLANS = TableSchema(
    "AccountPlans",
    "account_plans",
    "客户经营计划",
    "Account Plans",
    (
        CUSTOMER_ID,
        _YEAR,
        _c("customer_name", "客户名称", "Customer Name", "text", "", 24),
        _c("grade", "客户等级", "Grade", "text", "等级", 7),
        _c("credit_grade", "信用等级", "Credit Grade", "text", "", 7),
        _c("last_year_sales", "上年销售额", "Last Year's Sales", "money", "", 14),
        _c("share_of_wallet", "我司份额", "Share of Wallet", "percent", "份额", 8),
        _c("strengths", "优势 S", "Strengths", "text", "优势", 24),
        _c("weaknesses", "劣势 W", "Weaknesses", "text", "劣势", 24),
        _c("opportunities", "机会 O", "Opportunities", "text", "机会", 24),
        _c("threats", "威胁 T", "Threats", "text", "威胁", 24),
        _c("competitors", "主要竞争对手", "Main Competitors", "text", "竞争对手", 20),
        _c("our_position", "我方地位", "Our Position", "text", "地位", 10),
        _c("sales_target", "销售目标", "Sales Target", "money", "", 14),
        _c("profit_target", "毛利目标", "Gross Profit Target", "money", "", 14),
        _c("actions", "行动计划概要", "Action Plan Summary", "text", "行动计划|Action Plan", 30),
        _c("churn_risk", "流失风险", "Churn Risk", "text", "", 8),
        _c("service_plan", "服务与关系计划", "Service and Relationship Plan", "text", "服务计划", 30),
        _c("manager", "经理审批", "Manager", "text", "审批", 8),
    ),
)

ACCOUNT_PLAN_SCORES = TableSchema(
    "AccountPlanScores",
    "account_plan_scores",
    "重点客户评分",
    "Account Plan Scores",
    (
        CUSTOMER_ID,
        _YEAR,
        _c("criterion", "指标", "Criterion", "text", "评分指标", 24),
        _c("weight", "权重", "Weight", "percent", "", 8),
        _c("score", "评分", "Score", "number", "得分", 8),
        _c("weighted", "加权得分", "Weighted", "number", "", 9),
        _c("basis", "依据", "Basis", "text", "", 30),
    ),
)

ACCOUNT_PLAN_ACTIONS = TableSchema(
    "AccountPlanActions",
    "account_plan_actions",
    "行动计划",
    "Account Plan Actions",
    (
        CUSTOMER_ID,
        _YEAR,
        _c("action", "行动", "Action", "text", "行动事项|措施", 30),
        _c("owner", "负责人", "Owner", "text", "责任人", 10),
        _c("due_date", "完成期限", "Due Date", "date", "截止日期|期限|Due", 11),
        _c("status", "状态", "Status", "text", "进度", 8),
    ),
)

ACCOUNT_TABLES: tuple[TableSchema, ...] = (CONTACT_PROFILES, ACCOUNT_PLANS, ACCOUNT_PLAN_SCORES, ACCOUNT_PLAN_ACTIONS)
