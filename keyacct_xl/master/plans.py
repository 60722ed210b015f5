"""The master tables of what reps and managers plan: visit plans, monthly plans, sales targets and promotions.

They come back from the plan forms (visit plan, visit programme, monthly plan, target breakdown, promotion plan)
and are kept apart from what happened (Visits, Transactions): a planned visit is not a visit. Consolidation
appends the provenance columns (``master.submissions.with_provenance``); a table's ``rep`` is the rep the row is
about, which for every table but SalesTargets is the rep who filed the form.
"""

from __future__ import annotations

from keyacct_xl.master.schema import CUSTOMER_ID, REP, TableSchema
from keyacct_xl.master.schema import column as _c

CUSTOMER_NAME = _c("customer_name", "客户名称", "Customer Name", "text", "重点客户|Key Account", 20)

VISIT_PLANS = TableSchema(
    "VisitPlans",
    "visit_plans",
    "拜访计划",
    "Visit Plans",
    (
        _c("plan_no", "序号", "No.", "int", "计划序号|Plan No", 5),
        _c("planned_date", "计划日期", "Planned Date", "date", "计划拜访日期|Plan Date", 11),
        CUSTOMER_ID,
        CUSTOMER_NAME,
        _c("visit_type", "对象类型", "Visit Type", "text", "客户类型|Type", 10),
        _c("contact", "拜访对象", "Contact", "text", "联系人|Contact Person", 10),
        _c("method", "方式", "Method", "text", "回访方式|拜访方式", 9),
        _c("purpose", "目的/要点", "Purpose / Topics", "text", "回访目的|沟通要点|目的|Purpose|Topics", 24),
        _c("budget", "费用预算", "Cost Budget", "money", "预算|Budget", 11),
        _c("done", "已完成", "Done", "text", "已走访|完成", 7),
        _c("done_date", "实际日期", "Done On", "date", "完成日期|Done Date", 11),
        _c("outcome", "结果", "Outcome", "text", "走访结果|Result", 22),
        _c("remark", "备注", "Remarks", "text", "说明|Notes", 14),
        REP,
    ),
)

MONTHLY_PLANS = TableSchema(
    "MonthlyPlans",
    "monthly_plans",
    "月度计划",
    "Monthly Plans",
    (
        REP,
        _c("region", "负责区域", "Region", "text", "区域|Area", 10),
        _c("sales_target", "开票目标", "Invoicing Target", "money", "销售目标|Sales Target", 14),
        _c("delivery_target", "发货目标", "Delivery Target", "money", "", 14),
        _c("collection_target", "回款目标", "Collection Target", "money", "", 14),
        _c("new_customers", "新客户开发", "New Customers", "int", "新客户数", 8),
        _c("new_listings", "新增进店单品数", "New SKU Listings", "int", "新增单品", 8),
        _c("last_month_sales", "上月实际开票", "Last Month's Invoicing", "money", "", 14),
        _c("last_month_collection", "上月实际回款", "Last Month's Collection", "money", "", 14),
        _c("achievement_rate", "上月达成率", "Last Month's Achievement", "percent", "达成率", 9),
        _c("staffing", "人员安排", "Staffing", "text", "", 20),
        _c("display_cost", "陈列费", "Display Cost", "money", "", 12),
        _c("admin_cost", "管理费", "Administration Cost", "money", "", 12),
        _c("wages", "工资", "Wages", "money", "", 12),
        _c("other_cost", "其他费用", "Other Cost", "money", "", 12),
        _c("total_budget", "费用合计", "Total Budget", "money", "费用预算|Budget", 13),
        _c("supervisor", "主管签字", "Supervisor", "text", "主管", 9),
    ),
)

MONTHLY_PLAN_ACCOUNTS = TableSchema(
    "MonthlyPlanAccounts",
    "monthly_plan_accounts",
    "月度客户计划",
    "Monthly Account Plans",
    (
        REP,
        CUSTOMER_ID,
        CUSTOMER_NAME,
        _c("invoicing", "开票计划", "Invoicing", "money", "开票", 13),
        _c("delivery", "发货计划", "Delivery", "money", "发货", 13),
        _c("collection", "回款计划", "Collection", "money", "回款", 13),
        _c("listing_plan", "进店计划", "Listing Plan", "text", "", 16),
        _c("new_products", "新品推广", "New Products", "text", "", 16),
        _c("promotion", "促销安排", "Promotion", "text", "", 16),
        _c("visits", "拜访次数", "Visits", "int", "", 8),
    ),
)

SALES_TARGETS = TableSchema(
    "SalesTargets",
    "sales_targets",
    "销售任务",
    "Sales Targets",
    (
        REP,
        _c("year", "年度", "Year", "int", "任务年度", 6),
        _c("month", "月份", "Target Month", "text", "任务月份", 8),
        _c("quarter", "季度", "Quarter", "int", "", 5),
        _c("amount", "月度任务", "Monthly Target", "money", "任务|金额|Target|Amount", 14),
        _c("quarter_target", "季度任务", "Quarter Target", "money", "", 14),
        _c("year_target", "全年任务", "Year Target", "money", "全年合计|年度任务", 14),
        _c("region", "区域", "Region", "text", "", 10),
        _c("key_accounts", "重点客户数", "Key Accounts", "int", "", 8),
        _c("department", "部门/区域", "Department / Region", "text", "部门", 12),
        _c("confirmed_by", "本人确认", "Rep Confirms", "text", "", 9),
        _c("filed_by", "填报人", "Filed By", "text", "提交人", 9),
    ),
)

PROMOTIONS = TableSchema(
    "Promotions",
    "promotions",
    "促销计划",
    "Promotions",
    (
        CUSTOMER_ID,
        CUSTOMER_NAME,
        _c("start_date", "开始日期", "Start", "date", "开始", 11),
        _c("end_date", "结束日期", "End", "date", "结束", 11),
        _c("stores", "参与门店数", "Stores", "int", "门店数", 7),
        _c("sales_target", "销售目标", "Sales Target", "money", "", 14),
        _c("objective", "促销目的", "Objective", "text", "目的", 24),
        _c("compensation", "差价补偿方式", "Price Compensation", "text", "", 18),
        _c("damage_rate", "破损补偿率", "Damage Allowance Rate", "percent", "", 8),
        _c("total_budget", "费用合计", "Total Budget", "money", "费用预算|Budget", 13),
        _c("expected_roi", "预计投入产出比", "Expected ROI", "number", "投入产出比|ROI", 8),
        _c("customer_signature", "客户签字", "Customer Signature", "text", "", 9),
        _c("manager", "业务经理", "Sales Manager", "text", "", 9),
        _c("finance_control", "财务控制", "Finance Control", "text", "", 9),
        REP,
    ),
)

PROMOTION_ACTIVITIES = TableSchema(
    "PromotionActivities",
    "promotion_activities",
    "促销活动",
    "Promotion Activities",
    (
        CUSTOMER_ID,
        _c("start_date", "开始日期", "Start", "date", "促销开始日期", 11),
        _c("activity", "活动内容", "Activity", "text", "活动", 24),
        _c("type", "方式", "Type", "text", "促销方式", 10),
        _c("products", "产品", "Products", "text", "促销产品", 18),
        _c("promo_price", "促销价", "Promo Price", "money", "", 11),
        _c("cost", "费用", "Cost", "money", "", 12),
        _c("cost_handling", "费用处理", "Cost Handling", "text", "", 10),
        _c("owner", "负责人", "Owner", "text", "", 9),
        REP,
    ),
)

# A target breakdown's overview: the department's annual target, last year's actual, the growth and collection rate
# asked for; one row per department and year, whoever files it (its lines, per rep and quarter, go to SalesTargets).
ANNUAL_TARGETS = TableSchema(
    "AnnualTargets",
    "annual_targets",
    "年度任务",
    "Annual Targets",
    (
        _c("department", "部门/区域", "Department / Region", "text", "部门|区域|Department", 12),
        _c("annual_target", "年度任务", "Annual Target", "money", "年度目标", 14),
        _c("last_year_actual", "上年实际", "Last Year's Actual", "money", "", 14),
        _c("growth_rate", "增长率", "Growth", "percent", "", 8),
        _c("manager", "负责经理", "Manager", "text", "经理", 9),
        _c("collection_rate", "回款率目标", "Collection Rate Target", "percent", "回款率", 9),
    ),
)

# A visit programme's head: why and with whom the visits are made, the budget, what to prepare and follow up; one
# row per rep and period (its schedule goes to VisitPlans).
VISIT_PROGRAMMES = TableSchema(
    "VisitProgrammes",
    "visit_programmes",
    "走访方案",
    "Visit Programmes",
    (
        _c("objective", "走访目的", "Objective", "text", "目的", 24),
        _c("team", "走访人员", "Team", "text", "人员", 12),
        _c("budget", "费用预算", "Budget", "money", "预算", 11),
        _c("preparation", "走访前准备", "Preparation", "text", "准备", 24),
        _c("followup_steps", "走访后跟进", "Follow-up Steps", "text", "跟进", 24),
    ),
)

PLAN_TABLES: tuple[TableSchema, ...] = (
    VISIT_PLANS,
    VISIT_PROGRAMMES,
    MONTHLY_PLANS,
    MONTHLY_PLAN_ACCOUNTS,
    SALES_TARGETS,
    ANNUAL_TARGETS,
    PROMOTIONS,
    PROMOTION_ACTIVITIES,
)
