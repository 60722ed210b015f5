"""The master tables consolidation writes: provenance-extended data tables and its own bookkeeping tables.

Merged rows carry where they came from (file, sheet, row, rep, period, file hash, time), so any master row
can be traced to the submission that brought it; the values a later submission changed are kept in
SubmissionHistory.
"""

from __future__ import annotations

from keyacct_xl.master.accounts import ACCOUNT_TABLES
from keyacct_xl.master.followthrough import FOLLOWTHROUGH_TABLES
from keyacct_xl.master.plans import PLAN_TABLES
from keyacct_xl.master.schema import (
    COMPETITORS,
    CONTACTS,
    CUSTOMER_ID,
    CUSTOMERS,
    OPPORTUNITIES,
    PERIOD,
    REP,
    VISITS,
    Column,
    TableSchema,
)
from keyacct_xl.master.schema import column as _c

SHA256 = _c("file_sha256", "文件指纹", "File SHA-256", "text", "sha256", 20)
PROVENANCE: tuple[Column, ...] = (
    _c("source_file", "来源文件", "Source File", "text", "", 28),
    _c("source_sheet", "来源工作表", "Source Sheet", "text", "", 12),
    _c("source_row", "来源行", "Source Row", "int", "", 7),
    REP,
    PERIOD,
    SHA256,
    _c("consolidated_at", "汇总时间", "Consolidated At", "text", "", 19),
)
# Where a row came from rather than what it says (the rep is both): a change or an undo compares what a file wrote.
PROVENANCE_KEYS: tuple[str, ...] = tuple(c.key for c in PROVENANCE if c is not REP)


def with_provenance(schema: TableSchema) -> TableSchema:
    """``schema`` with the provenance columns appended (a column it already has, such as rep, is kept once)."""
    extra = tuple(c for c in PROVENANCE if c.key not in schema.keys)
    return TableSchema(schema.name, schema.attr, schema.sheet_zh, schema.sheet_en, schema.columns + extra)


# Own tables' keys are the form fields' keys, so a form line lands in them column by column.
WEEKLY_PLANS = TableSchema(
    "WeeklyPlans",
    "weekly_plans",
    "周工作计划",
    "Weekly Plans",
    (
        _c("day", "星期", "Day", "text", "周几|Weekday", 6),
        _c("date", "日期", "Date", "date", "计划日期", 11),
        _c("time_slot", "时段", "Time Slot", "text", "时间|Time", 8),
        _c("activity", "工作内容", "Activity", "text", "活动|事项", 12),
        CUSTOMER_ID,
        _c("customer_name", "客户名称", "Customer Name", "text", "", 20),
        _c("grade", "等级", "Grade", "text", "", 6),
        _c("last_visit", "上次拜访", "Last Visit", "date", "", 11),
        _c("contact", "联系人", "Contact", "text", "", 9),
        _c("goal", "目标", "Goal", "text", "目的", 20),
        _c("result", "结果", "Result", "text", "完成情况", 20),
        _c("done", "完成", "Done", "text", "", 6),
        *PROVENANCE,
    ),
)

# The customers a weekly plan could not take this week (its 顺延客户 section, pre-filled from the visit policy), with
# the reason; one row per rep, week and customer. A large master's plan lists hundreds: kept in the ingestion ledger's
# one cell of JSON, they outgrew it and the whole plan was refused.
DEFERRED_CUSTOMERS = TableSchema(
    "DeferredCustomers",
    "deferred_customers",
    "顺延客户",
    "Deferred Customers",
    (
        CUSTOMER_ID,
        _c("customer_name", "客户名称", "Customer Name", "text", "", 20),
        _c("grade", "等级", "Grade", "text", "", 6),
        _c("due_date", "应访日期", "Due Date", "date", "", 11),
        _c("days_overdue", "逾期天数", "Days Overdue", "int", "", 8),
        _c("reason", "原因", "Reason", "text", "顺延原因", 30),
        *PROVENANCE,
    ),
)

# A weekly plan's head and foot: the week's targets, last week's figures, the rep's summary and the support asked
# for, the supervisor's comment; one row per rep and week (its lines go to WeeklyPlans).
WEEKLY_TARGETS = TableSchema(
    "WeeklyTargets",
    "weekly_targets",
    "周目标与总结",
    "Weekly Targets",
    (
        _c("region", "负责区域", "Region", "text", "区域|Area", 10),
        _c("week_start", "开始日期", "Week Start", "date", "", 11),
        _c("week_end", "结束日期", "Week End", "date", "", 11),
        _c("sales_target", "销售目标", "Sales Target", "money", "", 13),
        _c("collection_target", "回款目标", "Collection Target", "money", "", 13),
        _c("visit_target", "拜访客户数", "Visits Planned", "int", "计划拜访数", 8),
        _c("new_customer_target", "新客户开发数", "New Customers", "int", "", 8),
        _c("last_week_sales", "上周实际销售", "Last Week's Sales", "money", "", 13),
        _c("last_week_collection", "上周实际回款", "Last Week's Collection", "money", "", 13),
        _c("summary", "本周总结", "Summary", "text", "周总结", 30),
        _c("support_needed", "需要的支持", "Support Needed", "text", "", 24),
        _c("supervisor_comment", "主管意见", "Supervisor's Comment", "text", "", 24),
        _c("supervisor", "主管签字", "Supervisor", "text", "主管", 9),
        _c("approval_date", "审批日期", "Approval Date", "date", "", 11),
        *PROVENANCE,
    ),
)

# A competitor report's scope and analysis: the channel, the market's trend, the threat, the rep's suggestions; one
# row per rep, month, city and product category (its lines go to Competitors).
COMPETITOR_REPORTS = TableSchema(
    "CompetitorReports",
    "competitor_reports",
    "竞品分析",
    "Competitor Reports",
    (
        _c("city", "城市", "City", "text", "地区", 8),
        _c("product_category", "产品类别", "Product Category", "text", "品类|类别|Category", 10),
        _c("channel", "渠道", "Channel", "text", "", 10),
        _c("market_trend", "市场趋势", "Market Trend", "text", "", 30),
        _c("threat_level", "威胁程度", "Threat Level", "text", "", 8),
        _c("suggestions", "建议", "Suggestions", "text", "", 30),
        _c("supervisor", "主管签字", "Supervisor", "text", "主管", 9),
        *PROVENANCE,
    ),
)

# What a key-account follow-up log says of the account itself (DOMAIN.md, form 10: "a plastics factory with 27
# injection machines uses 46# hydraulic oil"): one row per customer and period; its visits go to Visits, its quotes
# to Quotations and QuotationLines.
KEY_ACCOUNT_PROFILES = TableSchema(
    "KeyAccountProfiles",
    "key_account_profiles",
    "重点客户概况",
    "Key Account Profiles",
    (
        CUSTOMER_ID,
        _c("customer_name", "客户名称", "Customer Name", "text", "", 24),
        _c("grade", "客户等级", "Grade", "text", "等级", 7),
        _c("equipment", "主要设备", "Main Equipment", "text", "设备", 24),
        _c("monthly_usage", "月用量", "Monthly Usage", "text", "用量", 14),
        _c("current_supplier", "现供应商", "Current Supplier", "text", "供应商|Supplier", 18),
        *PROVENANCE,
    ),
)

# A daily report's own figures and words (the day's orders, collections, market news, the support asked for): one row
# per rep and day; its visit lines go to Visits.
DAILY_REPORTS = TableSchema(
    "DailyReports",
    "daily_reports",
    "工作日报",
    "Daily Reports",
    (
        _c("report_date", "日期", "Date", "date", "日报日期|报告日期|Report Date", 11),
        _c("region", "区域", "Region", "text", "负责区域|Area", 10),
        _c("weather", "天气", "Weather", "text", "", 6),
        _c("orders_amount", "当日订单金额", "Orders Today", "money", "订单金额|Orders", 13),
        _c("collected_amount", "当日回款", "Collected Today", "money", "回款|回款金额|Collected", 12),
        _c("mileage_km", "行程(公里)", "Mileage (km)", "number", "行程|公里数|Mileage", 9),
        _c("market_info", "市场信息", "Market Information", "text", "", 30),
        _c("problems", "问题与需要的支持", "Problems and Support Needed", "text", "问题|需要的支持|Problems", 30),
        _c("tomorrow_plan", "明日计划", "Plan for Tomorrow", "text", "Tomorrow", 24),
        _c("supervisor", "主管签字", "Supervisor", "text", "主管", 9),
        *PROVENANCE,
    ),
)

QUOTATIONS = TableSchema(
    "Quotations",
    "quotations",
    "报价单",
    "Quotations",
    (
        _c("quote_no", "报价单号", "Quote No", "text", "报价编号", 14),
        _c("quote_date", "报价日期", "Quote Date", "date", "", 11),
        _c("valid_until", "有效期至", "Valid Until", "date", "", 11),
        CUSTOMER_ID,
        _c("customer_name", "客户名称", "Customer Name", "text", "", 24),
        _c("contact", "联系人", "Contact", "text", "", 9),
        _c("contact_phone", "联系电话", "Phone", "text", "", 14, sensitive=True),
        _c("payment_terms", "付款方式", "Payment Terms", "text", "", 10),
        _c("delivery_terms", "交货方式", "Delivery Terms", "text", "", 10),
        _c("tax_included", "含税", "Tax Included", "text", "", 6),
        _c("invoice_type", "发票类型", "Invoice Type", "text", "", 12),
        _c("lead_time_days", "交货期(天)", "Lead Time (days)", "int", "", 8),
        _c("quoted_by", "报价人", "Quoted By", "text", "", 8),
        _c("approved_by", "审批人", "Approved By", "text", "", 8),
        *PROVENANCE,
    ),
)

QUOTATION_LINES = TableSchema(
    "QuotationLines",
    "quotation_lines",
    "报价明细",
    "Quotation Lines",
    (
        _c("quote_no", "报价单号", "Quote No", "text", "报价编号", 14),
        CUSTOMER_ID,
        _c("product_code", "产品编码", "Product Code", "text", "", 10),
        _c("product", "产品名称", "Product", "text", "品名|产品", 22),
        _c("spec", "规格型号", "Specification", "text", "规格", 14),
        _c("pack", "包装", "Pack", "text", "", 9),
        _c("unit", "单位", "Unit", "text", "", 6),
        _c("qty", "数量", "Qty", "number", "", 8),
        _c("unit_price", "单价", "Unit Price", "money", "价格", 12),
        _c("amount", "金额", "Amount", "money", "", 14),
        _c("tax_rate", "税率", "Tax Rate", "percent", "", 7),
        _c("remark", "备注", "Remarks", "text", "", 14),
        _c("competitor_price", "竞品价格", "Competitor Price", "money", "竞品单价", 12),
        _c("outcome", "结果", "Outcome", "text", "报价结果", 8),
        *PROVENANCE,
    ),
)

LEDGER = TableSchema(
    "IngestionLedger",
    "ingestion_ledger",
    "导入台账",
    "Ingestion Ledger",
    (
        SHA256,
        _c("file_name", "文件名", "File Name", "text", "", 28),
        _c("form", "表单", "Form", "text", "", 16),
        _c("version", "版本", "Version", "int", "", 6),
        REP,
        PERIOD,
        _c("key", "提交标识", "Submission Key", "text", "", 12),
        _c("status", "状态", "Status", "text", "", 10),
        _c("rows", "导入行数", "Rows", "int", "", 7),
        _c("rejected_rows", "拒收行数", "Rejected Rows", "int", "", 7),
        _c("consolidated_at", "汇总时间", "Consolidated At", "text", "", 19),
        _c("corrected_by", "更正文件指纹", "Corrected By", "text", "被替代于|Superseded By", 20),
        _c("header", "表头数据", "Header Data", "text", "", 40),
    ),
)

HISTORY = TableSchema(
    "SubmissionHistory",
    "submission_history",
    "历史版本",
    "Submission History",
    (
        _c("table", "表格", "Table", "text", "", 14),
        _c("change", "变更", "Change", "text", "", 10),
        SHA256,
        _c("source_file", "来源文件", "Source File", "text", "", 28),
        _c("source_row", "来源行", "Source Row", "int", "", 7),
        REP,
        PERIOD,
        _c("changed_at", "变更时间", "Changed At", "text", "替代时间|Superseded At", 19),
        # the file that made the change by its name, which a person reads, and by its fingerprint, which an undo goes
        # by (headed "Changed By" in English before: a master written then still reads)
        _c("changed_by_file", "变更文件", "Changing File", "text", "", 28),
        _c("changed_by", "变更文件指纹", "Changing File SHA-256", "text", "替代文件指纹|Superseded By|Changed By", 20),
        _c("data", "原数据", "Data", "text", "", 60),
        # What the change wrote over ``data`` (its columns only): an undo puts back only a value still as written,
        # so a cell a person changed by hand since is kept (blank in rows of earlier versions).
        _c("written", "写入值", "Written", "text", "", 40),
    ),
)

# Master data tables that receive submitted rows, extended with provenance.
MERGED_TABLES: dict[str, TableSchema] = {
    s.name: with_provenance(s) for s in (CUSTOMERS, CONTACTS, VISITS, COMPETITORS, OPPORTUNITIES)
}
OWN_TABLES: dict[str, TableSchema] = {
    **{
        s.name: s
        for s in (
            WEEKLY_PLANS,
            WEEKLY_TARGETS,
            DEFERRED_CUSTOMERS,
            DAILY_REPORTS,
            COMPETITOR_REPORTS,
            KEY_ACCOUNT_PROFILES,
            QUOTATIONS,
            QUOTATION_LINES,
        )
    },
    **{s.name: with_provenance(s) for s in (*PLAN_TABLES, *ACCOUNT_TABLES, *FOLLOWTHROUGH_TABLES)},
}
BOOKKEEPING: dict[str, TableSchema] = {s.name: s for s in (LEDGER, HISTORY)}
ALL_CONSOLIDATION_TABLES: dict[str, TableSchema] = {**MERGED_TABLES, **OWN_TABLES, **BOOKKEEPING}
