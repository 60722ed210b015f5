"""The master tables of what follows a sale: the funnel's stage history, complaints, service requests, evaluations.

Filled forms bring them back (keyacct_xl.consolidate.followthrough): the sales funnel moves Opportunities and
logs each stage change in OpportunityHistory; the 8D report gives Complaints, the after-sales log
ServiceRequests, the credit evaluation CreditEvaluations with one CreditEvaluationScores row per criterion (the
credit loop applies them to Customers later, never consolidation), the supervisor's rep evaluation RepEvaluations
with one RepEvaluationKpis row per KPI. Column keys are the forms' field keys, so a form field lands in its column
without a mapping. Consolidation appends the provenance columns (keyacct_xl.master.submissions).
DOMAIN.md forms 4, 17, 20, 21 and 22.
"""

from __future__ import annotations

from keyacct_xl.master.schema import CUSTOMER_ID, PERIOD, REP, TableSchema
from keyacct_xl.master.schema import column as _c

CUSTOMER_NAME = _c("customer_name", "客户名称", "Customer Name", "text", "客户", 20)

OPPORTUNITY_HISTORY = TableSchema(
    "OpportunityHistory",
    "opportunity_history",
    "机会阶段历史",
    "Opportunity History",
    (
        _c("date", "日期", "Date", "date", "变更日期|Changed On", 11),
        _c("opportunity_id", "机会编号", "Opportunity ID", "text", "商机编号", 14),
        CUSTOMER_ID,
        _c("from_stage", "原阶段", "From Stage", "text", "变更前阶段", 10),
        _c("to_stage", "新阶段", "To Stage", "text", "变更后阶段|阶段", 10),
        _c("amount", "预计金额", "Amount", "money", "金额|Expected Amount", 14),
    ),
)

COMPLAINTS = TableSchema(
    "Complaints",
    "complaints",
    "客户投诉",
    "Complaints",
    (
        _c("complaint_no", "投诉编号", "Complaint No", "text", "投诉单号|编号", 12),
        _c("received_date", "接收日期", "Received", "date", "受理日期|投诉日期", 11),
        CUSTOMER_ID,
        CUSTOMER_NAME,
        _c("source", "信息来源", "Source", "text", "来源", 10),
        _c("severity", "严重程度", "Severity", "text", "等级", 8),
        _c("product", "产品/批号", "Product / Batch", "text", "产品|批号", 16),
        _c("quantity", "涉及数量", "Quantity", "number", "数量", 8),
        _c("owner_department", "责任部门", "Owner Department", "text", "负责部门|处理部门", 10),
        _c("d1_team", "D1 小组成员", "D1 Team", "text", "小组成员", 16),
        _c("d2_description", "D2 问题描述", "D2 Problem", "text", "问题描述", 30),
        _c("d3_containment", "D3 临时围堵措施", "D3 Containment", "text", "围堵措施|临时措施", 24),
        _c("contained_date", "围堵完成日期", "Contained On", "date", "D3 完成日期", 11),
        _c("d4_root_cause", "D4 根本原因", "D4 Root Cause", "text", "根本原因", 24),
        _c("d5_action", "D5 永久纠正措施", "D5 Permanent Action", "text", "纠正措施", 24),
        _c("d6_verification", "D6 实施与验证", "D6 Verification", "text", "验证", 24),
        _c("d7_prevention", "D7 预防再发生", "D7 Prevention", "text", "预防措施", 24),
        _c("d8_reply", "D8 客户回复与结案", "D8 Reply and Closure", "text", "客户回复", 24),
        _c("customer_satisfied", "客户满意", "Customer Satisfied", "text", "满意", 7),
        _c("closed_date", "结案日期", "Closed On", "date", "结案", 11),
        _c("quality", "品质部", "Quality", "text", "品质", 8),
        _c("manager", "经理批准", "Manager", "text", "经理", 8),
    ),
)

SERVICE_REQUESTS = TableSchema(
    "ServiceRequests",
    "service_requests",
    "售后服务",
    "Service Requests",
    (
        _c("request_no", "单号", "Request No", "text", "服务单号|售后单号", 10),
        _c("request_date", "受理日期", "Received", "date", "申请日期", 11),
        CUSTOMER_ID,
        CUSTOMER_NAME,
        _c("product", "产品", "Product", "text", "品名", 14),
        _c("model", "型号", "Model", "text", "规格型号", 10),
        _c("serial_no", "序列号", "Serial No", "text", "机号|编号", 12),
        _c("purchase_date", "购买日期", "Purchased", "date", "购机日期", 11),
        _c("in_warranty", "保修期内", "In Warranty", "text", "保修|Warranty", 7),
        _c("request", "服务需求", "Request", "text", "需求|问题", 20),
        _c("status", "状态", "Status", "text", "处理状态", 8),
        _c("handler", "处理人", "Handler", "text", "负责人", 8),
        _c("result", "处理结果", "Result", "text", "结果", 18),
        _c("closed_date", "完成日期", "Closed On", "date", "结案日期", 11),
        _c("feedback", "客户反馈", "Feedback", "text", "满意度", 8),
    ),
)

CREDIT_EVALUATIONS = TableSchema(
    "CreditEvaluations",
    "credit_evaluations",
    "资信评估",
    "Credit Evaluations",
    (
        CUSTOMER_ID,
        _c("year", "年度", "Year", "int", "评估年度", 6),
        CUSTOMER_NAME,
        _c("region", "区域", "Region", "text", "地区", 8),
        _c("first_trade_date", "首次交易日期", "First Trade Date", "date", "首次交易", 11),
        _c("annual_sales", "年度销售额", "Annual Sales", "money", "年销售额", 14),
        _c("overdue_amount", "逾期金额", "Overdue Amount", "money", "逾期", 14),
        _c("max_overdue_days", "最长逾期天数", "Longest Overdue (days)", "int", "最长逾期", 8),
        _c("current_credit_grade", "现信用等级", "Current Credit Grade", "text", "原信用等级", 7),
        _c("current_limit", "现信用额度", "Current Credit Limit", "money", "原信用额度", 14),
        _c("total_score", "综合得分", "Overall Score", "number", "总分|得分", 8),
        _c("proposed_grade", "建议客户等级", "Proposed Grade", "text", "建议等级", 7),
        _c("proposed_credit_grade", "建议信用等级", "Proposed Credit Grade", "text", "", 7),
        _c("proposed_limit", "建议信用额度", "Proposed Credit Limit", "money", "建议额度", 14),
        _c("proposed_terms_days", "建议账期(天)", "Proposed Terms (days)", "int", "建议账期", 8),
        _c("special_terms", "特殊结算条件", "Special Settlement Terms", "text", "特殊条件", 20),
        _c("reason", "评定理由", "Reason", "text", "理由|说明", 30),
        _c("supervisor", "区域主管", "Regional Supervisor", "text", "评估人|Evaluator", 8),
        _c("finance", "财务意见", "Finance", "text", "财务", 10),
        _c("manager", "业务经理审批", "Sales Manager", "text", "经理", 8),
        _c("approval_date", "审批日期", "Approval Date", "date", "", 11),
    ),
)

CREDIT_EVALUATION_SCORES = TableSchema(
    "CreditEvaluationScores",
    "credit_evaluation_scores",
    "资信评分",
    "Credit Scores",
    (
        CUSTOMER_ID,
        _c("year", "年度", "Year", "int", "评估年度", 6),
        _c("criterion", "评估项目", "Criterion", "text", "项目", 24),
        _c("evidence", "依据", "Evidence", "text", "", 30),
        _c("weight", "权重", "Weight", "percent", "", 8),
        _c("score", "评分(1-5)", "Score (1-5)", "int", "评分", 8),
        _c("weighted", "加权得分", "Weighted", "number", "", 9),
    ),
)

# A rep's evaluation is personal data about an employee: its scores, rating and remarks are marked sensitive.
REP_EVALUATIONS = TableSchema(
    "RepEvaluations",
    "rep_evaluations",
    "业务员考核",
    "Rep Evaluations",
    (
        REP,
        PERIOD,
        _c("region", "区域", "Region", "text", "地区", 8),
        _c("supervisor_name", "直属主管", "Supervisor", "text", "主管", 8),
        _c("total_score", "考核得分", "Overall Score", "number", "总分|得分", 8, sensitive=True),
        _c("rating", "考核等级", "Rating", "text", "等级", 8, sensitive=True),
        _c("bonus_rate", "奖金系数", "Bonus Factor", "number", "奖金比例", 8, sensitive=True),
        _c("strengths", "优点", "Strengths", "text", "", 20, sensitive=True),
        _c("improvements", "改进方向", "To Improve", "text", "改进", 20, sensitive=True),
        _c("rep_signature", "被考核人签字", "Rep Signature", "text", "", 8),
        _c("supervisor", "主管签字", "Supervisor Signature", "text", "", 8),
        _c("manager", "经理审批", "Manager", "text", "经理", 8),
        _c("approval_date", "审批日期", "Approval Date", "date", "日期", 11),
    ),
)

REP_EVALUATION_KPIS = TableSchema(
    "RepEvaluationKpis",
    "rep_evaluation_kpis",
    "考核指标",
    "Evaluation KPIs",
    (
        REP,
        PERIOD,
        _c("kpi", "考核指标", "KPI", "text", "指标", 22),
        _c("target", "目标值", "Target", "number", "目标", 12),
        _c("actual", "实际值", "Actual", "number", "实际", 12),
        _c("weight", "权重", "Weight", "percent", "", 8),
        _c("score", "评分", "Score", "number", "", 8, sensitive=True),
        _c("weighted", "得分", "Weighted", "number", "", 9, sensitive=True),
        _c("comment", "说明", "Comment", "text", "备注", 22, sensitive=True),
    ),
)

FOLLOWTHROUGH_TABLES: tuple[TableSchema, ...] = (
    OPPORTUNITY_HISTORY,
    COMPLAINTS,
    SERVICE_REQUESTS,
    CREDIT_EVALUATIONS,
    CREDIT_EVALUATION_SCORES,
    REP_EVALUATIONS,
    REP_EVALUATION_KPIS,
)
