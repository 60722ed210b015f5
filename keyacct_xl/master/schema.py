"""The master workbook's tables: stable English table names, canonical column keys, zh/en headers, aliases.

One table per sheet; sheet names and headers are localized, table names and keys never change.
Fields follow DOMAIN.md, "Customer archive (客户档案) fields and code lists".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from keyacct_xl.i18n import Lang

ColumnKind = Literal["text", "int", "number", "money", "date", "percent"]
# What a frame's column holds: a kind above, or "cells" for a column the user added whose cells are not all of one
# kind (text beside numbers, or TRUE/FALSE): each cell keeps the kind its own value is (a number, a date, a boolean,
# text, a time of day, a duration). None of the master's own columns is of it, nor of "time" (a column the user added
# of times of day, 09:30) or "duration" (of durations, 36:00 as ``[h]:mm``).
FrameKind = Literal[ColumnKind, "cells", "time", "duration"]


@dataclass(frozen=True)
class Column:
    """One canonical column: its key, its headers in both languages and the other names people use."""

    key: str
    zh: str
    en: str
    kind: ColumnKind = "text"
    aliases: tuple[str, ...] = ()
    sensitive: bool = False
    width: int = 12

    def header(self, lang: Lang) -> str:
        """The header written for ``lang``."""
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class TableSchema:
    """One master table: its Excel table name, sheet names and columns in order."""

    name: str
    attr: str
    sheet_zh: str
    sheet_en: str
    columns: tuple[Column, ...]
    required: bool = True

    def sheet(self, lang: Lang) -> str:
        """The sheet name written for ``lang``."""
        return self.sheet_zh if lang == "zh" else self.sheet_en

    @property
    def keys(self) -> list[str]:
        """Canonical column keys in order."""
        return [c.key for c in self.columns]

    def column(self, key: str) -> Column:
        """The column with canonical ``key``."""
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(key)


def column(
    key: str,
    zh: str,
    en: str,
    kind: ColumnKind = "text",
    aliases: str = "",
    width: int = 12,
    *,
    sensitive: bool = False,
) -> Column:
    """A column from its key, headers, kind, aliases written ``a|b|c``, width and whether it is personal data."""
    return Column(key, zh, en, kind, tuple(a for a in aliases.split("|") if a), sensitive, width)


_c = column


CUSTOMER_ID = _c(
    "customer_id",
    "客户编号",
    "Customer ID",
    "text",
    "客户代码|客户编码|客户号|编号|代码|Customer Code|Cust ID|Customer No|Account",
    width=11,
)
REP = _c("rep", "业务员", "Sales Rep", "text", "销售代表|销售员|业务代表|负责业务员|Salesperson|Rep|Owner", width=10)
PERIOD = _c("period", "期间", "Period", "text", "周期|Week|Month", width=10)

CUSTOMERS = TableSchema(
    "Customers",
    "customers",
    "客户档案",
    "Customers",
    (
        CUSTOMER_ID,
        _c("name", "客户名称", "Customer Name", "text", "名称|公司名称|单位名称|客户|Customer|Company|Name", width=30),
        _c("short_name", "简称", "Short Name", "text", "客户简称|Short", width=12),
        _c("region", "区域", "Region", "text", "地区|片区|大区|Area", width=8),
        _c("city", "城市", "City", "text", "所在城市|市", width=8),
        _c("address", "地址", "Address", "text", "详细地址|公司地址", width=32),
        _c("route_seq", "路序", "Route Seq", "int", "客户路序|线路顺序|Route", width=6),
        _c("industry", "行业", "Industry", "text", "所属行业|行业分类", width=16),
        _c("enterprise_nature", "企业性质", "Enterprise Nature", "text", "性质|所有制|Ownership", width=10),
        _c("outlet_type", "业态", "Outlet Type", "text", "网点类型|渠道类型|客户类型|Channel", width=8),
        _c("location_type", "位置类型", "Location Type", "text", "商圈类型", width=10),
        _c("category", "客户类别", "Category", "text", "客户分类|类别|Customer Category", width=9),
        _c("grade", "客户等级", "Grade", "text", "等级|级别|Customer Grade", width=7),
        _c("credit_grade", "信用等级", "Credit Grade", "text", "资信等级|信誉等级|Credit", width=7),
        _c("credit_limit", "信用额度", "Credit Limit", "money", "授信额度|赊销额度", width=14),
        _c(
            "payment_terms_days",
            "账期天数",
            "Payment Terms (days)",
            "int",
            "账期|付款期限|Payment Terms|Terms",
            width=8,
        ),
        # Any entry (who set the limit and why; 无 or 否 means none) keeps credit_limit and payment_terms_days as typed:
        # grade apply and credit apply never overwrite them.
        _c(
            "credit_override",
            "额度手工核定",
            "Credit Override",
            "text",
            "手工额度|特批额度|额度特批|Manual Credit Terms",
            width=14,
        ),
        _c(
            "first_trade_date",
            "首次交易日期",
            "First Trade Date",
            "date",
            "首次交易|开户日期|合作日期|Customer Since",
            width=11,
        ),
        REP,
        _c("influence", "当地影响力", "Influence", "int", "影响力|Local Influence", width=7),
        _c("special_policy", "特殊政策", "Special Policy", "text", "特殊结算|特殊条款|Policy", width=16),
        # The annual review meeting's plans for an A or B customer, stored by grade apply (docs/analytics.md).
        _c("upgrade_plan", "升级计划", "Upgrade Plan", "text", "升级措施|提升计划", width=20),
        _c("support_plan", "扶持计划", "Support Plan", "text", "支持计划|扶持措施", width=20),
        _c("phone", "电话", "Phone", "text", "联系电话|电话号码|Tel|Telephone", sensitive=True, width=14),
        _c("fax", "传真", "Fax", "text", "传真号码", width=14),
        _c("owner", "负责人", "Owner", "text", "老板|经营者|总经理", width=8),
        _c("legal_rep", "法人代表", "Legal Representative", "text", "法定代表人|法人", width=8),
        _c("tax_id", "税号", "Tax ID", "text", "纳税人识别号|统一社会信用代码|信用代码|Tax No", width=20),
        _c("founded", "成立日期", "Founded", "date", "成立时间|创立日期", width=11),
        _c("staff_count", "员工人数", "Staff", "int", "人数|规模|Employees", width=7),
        _c("business_scope", "经营范围", "Business Scope", "text", "主营|Scope", width=24),
        _c("notes", "备注", "Notes", "text", "说明|Remarks|Comment", width=20),
    ),
)

CONTACTS = TableSchema(
    "Contacts",
    "contacts",
    "联系人",
    "Contacts",
    (
        _c("contact_id", "联系人编号", "Contact ID", "text", "编号|Contact No", width=11),
        CUSTOMER_ID,
        _c("name", "姓名", "Name", "text", "联系人|联系人姓名|Contact|Contact Name", width=10),
        _c("title", "职务", "Title", "text", "职位|Position|Job Title", width=12),
        _c("phone", "电话", "Phone", "text", "手机|手机号|联系电话|Mobile|Tel", sensitive=True, width=14),
        _c("email", "电子邮箱", "E-mail", "text", "邮箱|Email|Mail", sensitive=True, width=22),
        _c("wechat", "微信/QQ", "WeChat/QQ", "text", "微信|QQ|WeChat", sensitive=True, width=14),
        _c("nickname", "昵称", "Nickname", "text", "称呼", sensitive=True, width=8),
        _c("birthday", "生日", "Birthday", "date", "出生日期|Date of Birth", sensitive=True, width=11),
        _c("birthplace", "籍贯", "Birthplace", "text", "出生地|Hometown", sensitive=True, width=8),
        _c("education", "学历", "Education", "text", "教育背景", sensitive=True, width=10),
        _c("family", "家庭情况", "Family", "text", "配偶子女|家庭", sensitive=True, width=16),
        _c("health", "健康状况", "Health", "text", "健康", sensitive=True, width=12),
        _c(
            "religion_politics", "宗教/政治", "Religion/Politics", "text", "宗教信仰|政治面貌", sensitive=True, width=12
        ),
        _c("hobbies", "兴趣爱好", "Hobbies", "text", "爱好|Interests", sensitive=True, width=16),
        _c("avoid_topics", "忌讳话题", "Topics to Avoid", "text", "禁忌", sensitive=True, width=16),
        # Notes about a named person hold what the profile fields hold, in free text.
        _c("notes", "备注", "Notes", "text", "说明|Remarks", sensitive=True, width=20),
        _c("decision_role", "决策作用", "Decision Role", "text", "决策角色|采购角色|Role", width=10),
        _c("relationship_level", "关系程度", "Relationship", "text", "关系|关系等级|Relationship Level", width=8),
        # Blank means still there: contacts kept before this column existed are active. A replaced buyer gets 否.
        _c("active", "在职", "Active", "text", "是否在职|有效|Current", width=6),
        _c("left_date", "离任日期", "Left On", "date", "离职日期|卸任日期|Left Date", width=11),
    ),
)

TRANSACTIONS = TableSchema(
    "Transactions",
    "transactions",
    "销售明细",
    "Transactions",
    (
        _c(
            "doc_no",
            "单据编号",
            "Doc No",
            "text",
            "单号|单据号|凭证号|发票号|订单号|销售单号|Invoice No|Invoice|Order ID|Order No|Document",
            width=14,
        ),
        _c("date", "日期", "Date", "date", "销售日期|单据日期|开单日期|交易日期|Order Date|Invoice Date", width=11),
        CUSTOMER_ID,
        _c("product", "产品", "Product", "text", "品名|商品名称|产品名称|物料|Item", width=22),
        _c("category", "产品类别", "Product Category", "text", "品类|类别|Category", width=10),
        _c("qty", "数量", "Qty", "number", "销售数量|Quantity", width=8),
        _c("unit_price", "单价", "Unit Price", "money", "销售单价|价格|Price", width=11),
        _c("amount", "金额", "Amount", "money", "销售额|销售金额|含税金额|价税合计|Sales|Revenue|Total", width=14),
        _c("cost", "成本", "Cost", "money", "成本金额|销售成本|COGS", width=14),
        REP,
        # The line's product in the Products table; a line without one is matched by its product name.
        # Last, so a master written before it existed keeps its columns where they were.
        _c(
            "product_code",
            "产品编码",
            "Product Code",
            "text",
            "商品编码|物料编码|物料代码|存货编码|SKU|Item Code",
            width=11,
        ),
    ),
)

PAYMENTS = TableSchema(
    "Payments",
    "payments",
    "收款记录",
    "Payments",
    (
        _c("receipt_no", "收款单号", "Receipt No", "text", "收据号|回款单号|Receipt", width=14),
        _c("date", "收款日期", "Date", "date", "日期|回款日期|到账日期|Payment Date", width=11),
        CUSTOMER_ID,
        _c("amount", "收款金额", "Amount", "money", "金额|回款金额|Payment|Paid", width=14),
        _c("method", "收款方式", "Method", "text", "付款方式|结算方式|Payment Method", width=10),
        _c("reference", "核销单号", "Reference", "text", "对应单号|参考号|Ref|Applies To", width=14),
    ),
)

VISITS = TableSchema(
    "Visits",
    "visits",
    "拜访记录",
    "Visits",
    (
        _c("date", "日期", "Date", "date", "拜访日期|回访日期|Visit Date", width=11),
        CUSTOMER_ID,
        REP,
        _c("contact", "拜访对象", "Contact", "text", "联系人|Contact Person", width=10),
        _c("method", "方式", "Method", "text", "回访方式|拜访方式", width=9),
        _c("purpose", "目的", "Purpose", "text", "拜访目的|回访目的", width=18),
        _c("content", "内容", "Content", "text", "拜访内容|记录|回访记录|Record", width=30),
        _c("result", "结果", "Result", "text", "拜访结果|Outcome", width=18),
        _c("rating", "评价", "Rating", "text", "客户评价|满意度|产品评价|Satisfaction|Product Rating", width=8),
        _c("service_rating", "服务评价", "Service Rating", "text", "服务满意度", width=8),
        _c("product_opinion", "产品意见", "Product Opinion", "text", "对产品的意见|Opinion of Products", width=20),
        _c("service_opinion", "服务意见", "Service Opinion", "text", "对服务的意见|Opinion of Service", width=20),
        _c("problems", "存在问题", "Problems", "text", "发现的问题|问题|Problems Found|Issues", width=18),
        _c("next_step", "下一步", "Next Step", "text", "改进措施|后续行动|Countermeasure", width=18),
        _c("next_date", "下次日期", "Next Date", "date", "下次拜访日期|计划日期|Next Visit", width=11),
        _c("needs_visit", "需上门", "Visit Needed", "text", "需要上门|需上门处理", width=7),
        _c("order_amount", "订单金额", "Order Amount", "money", "订货金额|Order", width=12),
        _c("stock_check", "库存/陈列", "Stock/Display", "text", "库存陈列|库存|陈列|Stock Check", width=14),
    ),
)

OPPORTUNITIES = TableSchema(
    "Opportunities",
    "opportunities",
    "销售机会",
    "Opportunities",
    (
        _c("opportunity_id", "机会编号", "Opportunity ID", "text", "商机编号|编号", width=11),
        CUSTOMER_ID,
        _c("product", "产品", "Product", "text", "品名|Item", width=20),
        _c("stage", "阶段", "Stage", "text", "销售阶段|漏斗阶段", width=10),
        _c("expected_amount", "预计金额", "Expected Amount", "money", "金额|Amount", width=14),
        _c("probability", "成交概率", "Probability", "percent", "概率|赢单率", width=8),
        _c("weighted_amount", "加权金额", "Weighted Amount", "money", "Weighted", width=14),
        _c("expected_close", "预计成交日期", "Expected Close", "date", "预计签约日期|Close Date", width=11),
        REP,
        _c("created", "创建日期", "Created", "date", "建立日期", width=11),
        _c("notes", "备注", "Notes", "text", "说明|Remarks", width=20),
        _c("next_action", "下一步行动", "Next Action", "text", "下一步|后续行动", width=18),
    ),
)

COMPETITORS = TableSchema(
    "Competitors",
    "competitors",
    "竞争对手",
    "Competitors",
    (
        _c("date", "日期", "Date", "date", "报告日期|月份|Month", width=11),
        _c("city", "城市", "City", "text", "地区", width=8),
        _c("competitor", "竞争对手", "Competitor", "text", "竞品厂家|对手|竞争品牌|Brand", width=14),
        _c("category", "产品类别", "Product Category", "text", "品类|类别", width=10),
        _c("product", "产品", "Product", "text", "竞品|品名", width=18),
        _c("price", "价格", "Price", "money", "售价|零售价", width=11),
        _c("promotion", "促销", "Promotion", "text", "促销活动|促销政策", width=20),
        _c("our_response", "我方对策", "Our Response", "text", "应对措施|对策", width=20),
        _c("notes", "备注", "Notes", "text", "说明|Remarks", width=20),
        REP,
    ),
)

GRADE_HISTORY = TableSchema(
    "GradeHistory",
    "grade_history",
    "等级历史",
    "Grade History",
    (
        _c("year", "年度", "Year", "int", "评级年度", width=6),
        CUSTOMER_ID,
        _c("grade_before", "原等级", "Grade Before", "text", "调整前等级", width=7),
        _c("grade_after", "新等级", "Grade After", "text", "调整后等级|评定等级", width=7),
        _c("credit_before", "原信用等级", "Credit Before", "text", "调整前信用", width=8),
        _c("credit_after", "新信用等级", "Credit After", "text", "调整后信用", width=8),
        _c("limit_before", "原信用额度", "Limit Before", "money", "调整前额度", width=12),
        _c("limit_after", "新信用额度", "Limit After", "money", "调整后额度", width=12),
        _c("terms_before", "原账期天数", "Terms Before", "int", "调整前账期", width=8),
        _c("terms_after", "新账期天数", "Terms After", "int", "调整后账期", width=8),
        _c("reason", "原因", "Reason", "text", "理由|说明", width=40),
        _c("approved_by", "批准人", "Approved By", "text", "审批人|核准", width=8),
        _c("applied_at", "生效日期", "Applied At", "date", "执行日期", width=11),
        # Which apply wrote the row (grade apply and credit apply count on from 1; an undo's rows carry the number
        # of the apply they take back), so two applies of one day are undone one at a time. Rows written before
        # the column existed hold none: they are told apart by their date.
        _c("apply_no", "应用序号", "Apply No.", "int", "应用批次|Apply Number", width=8),
    ),
)

PRODUCT_CODE = _c(
    "product_code", "产品编码", "Product Code", "text", "单品编码|商品编码|物料编码|SKU|SKU Code", width=11
)

# The catalogue and where each product is on the shelf. Optional tables: a master without them reads as before.
PRODUCTS = TableSchema(
    "Products",
    "products",
    "产品目录",
    "Products",
    (
        PRODUCT_CODE,
        _c("name", "品名", "Name", "text", "产品名称|商品名称|产品|Product|Product Name", width=24),
        _c("spec", "规格", "Spec", "text", "规格型号|型号|包装规格|Specification", width=12),
        _c("unit", "单位", "Unit", "text", "计量单位|UOM", width=6),
        _c("barcode", "条形码", "Barcode", "text", "条码|商品条码|EAN|EAN-13", width=15),
        _c("category", "产品类别", "Product Category", "text", "品类|类别|Category", width=10),
        _c("factory_price", "出厂价", "Factory Price", "money", "出厂单价|Ex-works Price", width=11),
        _c("list_price", "零售指导价", "List Price", "money", "建议零售价|指导价|零售价|Retail Price", width=11),
        # Blank means on sale; 否 marks a product taken out of the range.
        _c("active", "在售", "Active", "text", "是否在售|有效|On Sale", width=6),
    ),
    required=False,
)

LISTINGS = TableSchema(
    "Listings",
    "listings",
    "单品进店",
    "Listings",
    (
        CUSTOMER_ID,
        PRODUCT_CODE,
        _c("listed_date", "进店日期", "Listed On", "date", "上架日期|Listed Date", width=11),
        _c("delisted_date", "下架日期", "Delisted On", "date", "撤柜日期|Delisted Date", width=11),
        _c("source", "来源", "Source", "text", "依据|Source of Listing", width=10),
        # The run of ``master listings`` that added the row (1, 2, ...), so ``--undo`` removes exactly the last run's
        # rows; blank on a row a person typed or a check reported.
        _c("run_no", "生成批次", "Run No.", "int", "批次|Run Number", width=8),
    ),
    required=False,
)

SETTINGS = TableSchema(
    "Settings",
    "settings",
    "参数设置",
    "Settings",
    (
        _c("setting", "参数", "Setting", "text", "键|Key|Parameter", width=28),
        _c("value", "值", "Value", "text", "数值|取值", width=20),
        _c("description", "说明", "Description", "text", "备注|Notes", width=60),
    ),
)

DATA_TABLES: tuple[TableSchema, ...] = (
    CUSTOMERS,
    CONTACTS,
    TRANSACTIONS,
    PAYMENTS,
    VISITS,
    OPPORTUNITIES,
    COMPETITORS,
    GRADE_HISTORY,
)
ALL_TABLES: tuple[TableSchema, ...] = (*DATA_TABLES, SETTINGS)
TABLES_BY_NAME: dict[str, TableSchema] = {t.name: t for t in ALL_TABLES}

# Values every row of these tables needs: a sales line without date, customer or amount cannot be booked. The
# reader refuses a master with such a cell blank, and the writer refuses to write one (it would not open again).
NOT_BLANK: dict[str, tuple[str, ...]] = {
    "Customers": ("customer_id",),
    "Transactions": ("date", "customer_id", "amount"),
    "Payments": ("date", "customer_id", "amount"),
    "Visits": ("date", "customer_id"),
    "Adjustments": ("date", "customer_id", "amount"),
}
