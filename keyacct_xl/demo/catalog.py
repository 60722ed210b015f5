"""What the demo company sells: lubricants and industrial consumables, with list prices and margins.

The domain's worked example (DOMAIN.md, form 10) is a plastics factory buying 46# hydraulic oil at
1,850 CNY per 200 L drum; the catalogue is built around that price level.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

COMPANY_NAME = "上海恒泰润滑油有限公司"


@dataclass(frozen=True)
class Category:
    """A product category and its gross margin at list price (10-35 % across the range)."""

    name: str
    margin: float


CATEGORIES: tuple[Category, ...] = (
    Category("液压油", 0.24),
    Category("发动机油", 0.28),
    Category("齿轮油", 0.25),
    Category("润滑脂", 0.33),
    Category("金属加工液", 0.30),
    Category("专用油", 0.20),
    Category("清洗养护", 0.35),
    Category("滤清器配件", 0.15),
)
CATEGORY_INDEX = {c.name: i for i, c in enumerate(CATEGORIES)}


@dataclass(frozen=True)
class Product:
    """One stock item: name with grade and pack, category, list price (CNY, 2024) and popularity."""

    name: str
    category: str
    price: float
    popularity: float


PRODUCTS: tuple[Product, ...] = (
    Product("抗磨液压油 46# 200L", "液压油", 1850, 5),
    Product("抗磨液压油 68# 200L", "液压油", 1880, 3),
    Product("抗磨液压油 46# 18L", "液压油", 210, 5),
    Product("低温液压油 32# 18L", "液压油", 235, 1.5),
    Product("高压抗磨液压油 HM46 170kg", "液压油", 1990, 1.5),
    Product("柴油机油 CI-4 15W-40 18L", "发动机油", 360, 5),
    Product("柴油机油 CK-4 10W-40 18L", "发动机油", 455, 2),
    Product("汽油机油 SP 5W-30 4L", "发动机油", 185, 3),
    Product("汽油机油 SN 10W-40 4L", "发动机油", 128, 3),
    Product("柴油机油 CH-4 20W-50 200L", "发动机油", 3600, 1.5),
    Product("重负荷工业齿轮油 220# 200L", "齿轮油", 2650, 2),
    Product("重负荷工业齿轮油 320# 18L", "齿轮油", 295, 2),
    Product("车辆齿轮油 GL-5 85W-90 18L", "齿轮油", 320, 2),
    Product("锂基润滑脂 2# 15kg", "润滑脂", 245, 5),
    Product("极压锂基脂 00# 15kg", "润滑脂", 280, 2),
    Product("高温润滑脂 3# 1kg", "润滑脂", 42, 2),
    Product("复合磺酸钙基脂 180kg", "润滑脂", 4600, 0.8),
    Product("全合成切削液 18L", "金属加工液", 460, 3),
    Product("半合成切削液 200L", "金属加工液", 3900, 1.5),
    Product("防锈油 200L", "金属加工液", 2300, 1.5),
    Product("冲压油 18L", "金属加工液", 380, 1.5),
    Product("导轨油 68# 18L", "专用油", 260, 3),
    Product("螺杆空压机油 46# 18L", "专用油", 420, 3),
    Product("汽轮机油 32# 200L", "专用油", 2450, 1),
    Product("变压器油 25# 200L", "专用油", 2100, 1),
    Product("工业清洗剂 20L", "清洗养护", 160, 3),
    Product("化油器清洗剂 450ml", "清洗养护", 12, 2),
    Product("防冻液 -35℃ 4L", "清洗养护", 36, 3),
    Product("机油滤清器", "滤清器配件", 28, 3),
    Product("液压油滤芯", "滤清器配件", 95, 2),
    Product("空气滤清器", "滤清器配件", 65, 2),
)

# Further grades of a product line, sold at the line's price (a series' viscosity grades share one price list
# entry): (line index in PRODUCTS, the SKU's name, its share of the line's sales). The line itself keeps the rest.
VARIANTS: tuple[tuple[int, str, float], ...] = (
    (0, "抗磨液压油 32# 200L", 0.3),
    (1, "抗磨液压油 100# 200L", 0.25),
    (2, "抗磨液压油 32# 18L", 0.25),
    (2, "抗磨液压油 68# 18L", 0.2),
    (3, "低温液压油 46# 18L", 0.35),
    (4, "高压抗磨液压油 HM68 170kg", 0.3),
    (5, "柴油机油 CI-4 10W-30 18L", 0.25),
    (6, "柴油机油 CK-4 15W-40 18L", 0.3),
    (7, "汽油机油 SP 5W-40 4L", 0.25),
    (7, "汽油机油 SP 0W-20 4L", 0.15),
    (8, "汽油机油 SN 5W-30 4L", 0.3),
    (9, "柴油机油 CH-4 15W-40 200L", 0.35),
    (10, "重负荷工业齿轮油 320# 200L", 0.3),
    (10, "重负荷工业齿轮油 150# 200L", 0.2),
    (11, "重负荷工业齿轮油 220# 18L", 0.35),
    (12, "车辆齿轮油 GL-5 80W-90 18L", 0.3),
    (13, "锂基润滑脂 3# 15kg", 0.25),
    (13, "锂基润滑脂 1# 15kg", 0.15),
    (14, "极压锂基脂 0# 15kg", 0.35),
    (15, "高温润滑脂 2# 1kg", 0.3),
    (17, "全合成磨削液 18L", 0.3),
    (18, "微乳化切削液 200L", 0.3),
    (19, "薄层防锈油 200L", 0.3),
    (20, "拉伸油 18L", 0.3),
    (21, "导轨油 32# 18L", 0.3),
    (22, "螺杆空压机油 32# 18L", 0.3),
    (23, "汽轮机油 46# 200L", 0.35),
    (24, "变压器油 45# 200L", 0.3),
    (25, "重油污清洗剂 20L", 0.3),
    (26, "节气门清洗剂 450ml", 0.35),
    (27, "防冻液 -25℃ 4L", 0.35),
    (28, "柴油滤清器", 0.35),
    (29, "回油滤芯", 0.3),
    (30, "空调滤清器", 0.3),
)
FACTORY_SHARE = 0.8  # the factory price list is 80 % of the list price
BARCODE_PREFIX = "6923587"  # GS1 China (69…) and the company's number; five digits per item follow
_PACK = re.compile(r"^\d+(?:\.\d+)?(?:L|kg|ml)$")
_UNITS = (("ml", "瓶"), ("1kg", "罐"), ("kg", "桶"), ("L", "桶"))


@dataclass(frozen=True)
class Sku:
    """One catalogue item: code, name, pack (spec), unit, EAN-13 barcode, category, 2026 list and factory price,
    the price line it is sold at and its share of that line's sales."""

    code: str
    name: str
    spec: str
    unit: str
    barcode: str
    category: str
    list_price: float
    factory_price: float
    line: int
    share: float


def ean13(first12: str) -> str:
    """The 13-digit EAN of ``first12`` with its check digit (GS1: weights 1 and 3 from the left)."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return first12 + str((10 - total % 10) % 10)


def _sku(code: str, name: str, line: int, share: float, number: int, level: float) -> Sku:
    last = name.split()[-1]
    spec = last if _PACK.match(last) else "标准型"
    unit = next((u for suffix, u in _UNITS if spec.endswith(suffix)), "个")
    product = PRODUCTS[line]
    list_price = float(round(product.price * level))
    return Sku(
        code,
        name,
        spec,
        unit,
        ean13(f"{BARCODE_PREFIX}{number:05d}"),
        product.category,
        list_price,
        round(list_price * FACTORY_SHARE, 2),
        line,
        share,
    )


def catalogue(level: float) -> tuple[Sku, ...]:
    """Every SKU: each line of PRODUCTS followed by its further grades, coded HT<category><number> in order;
    prices at the price ``level`` of the current year."""
    items: list[tuple[str, int, float]] = []
    for i, product in enumerate(PRODUCTS):
        extra = [(name, share) for line, name, share in VARIANTS if line == i]
        items.append((product.name, i, 1.0 - sum(share for _, share in extra)))
        items += [(name, i, share) for name, share in extra]
    counters: dict[str, int] = {}
    skus = []
    for number, (name, line, share) in enumerate(items, start=1):
        category = CATEGORY_INDEX[PRODUCTS[line].category] + 1
        counters[str(category)] = counters.get(str(category), 0) + 1
        code = f"HT{category:02d}{counters[str(category)]:02d}"
        skus.append(_sku(code, name, line, share, number, level))
    return tuple(skus)


def line_skus(skus: tuple[Sku, ...]) -> tuple[np.ndarray, np.ndarray]:
    """For each price line, its SKU indices and their cumulative shares, padded to a rectangle."""
    width = max(sum(s.line == i for s in skus) for i in range(len(PRODUCTS)))
    index = np.zeros((len(PRODUCTS), width), dtype=int)
    cumulative = np.ones((len(PRODUCTS), width))
    for i in range(len(PRODUCTS)):
        members = [k for k, s in enumerate(skus) if s.line == i]
        index[i, : len(members)] = members
        index[i, len(members) :] = members[-1]
        cumulative[i, : len(members)] = np.cumsum([skus[k].share for k in members])
    return index, cumulative


# Category mix per industry (same order as CATEGORIES); industries not listed buy the default mix.
_DEFAULT_MIX = (3, 3, 2, 2, 1, 1, 1, 1)
INDUSTRY_MIX: dict[str, tuple[float, ...]] = {
    "制造业": (5, 1, 3, 3, 4, 3, 1, 1),
    "批发和零售业": (3, 4, 2, 2, 1, 1, 2, 2),
    "居民服务、修理和其他服务业": (1, 6, 2, 2, 0, 0, 3, 3),
    "交通运输、仓储和邮政业": (1, 6, 2, 2, 0, 0, 2, 3),
    "建筑业": (4, 4, 2, 3, 0, 0, 1, 1),
    "采矿业": (4, 3, 4, 3, 0, 1, 0, 1),
    "电力、热力、燃气及水的生产和供应业": (2, 1, 2, 2, 0, 6, 1, 1),
}


def category_mix(industries: list[str]) -> np.ndarray:
    """Rows of category probabilities, one per customer, from their industry."""
    rows = np.array([INDUSTRY_MIX.get(i, _DEFAULT_MIX) for i in industries], dtype=float)
    return rows / rows.sum(axis=1, keepdims=True)


def products_by_category() -> tuple[np.ndarray, np.ndarray]:
    """For each category, its product indices and cumulative popularity, padded to a rectangle."""
    width = max(sum(p.category == c.name for p in PRODUCTS) for c in CATEGORIES)
    index = np.zeros((len(CATEGORIES), width), dtype=int)
    cumulative = np.ones((len(CATEGORIES), width))
    for k, cat in enumerate(CATEGORIES):
        members = [i for i, p in enumerate(PRODUCTS) if p.category == cat.name]
        weights = np.array([PRODUCTS[i].popularity for i in members])
        index[k, : len(members)] = members
        index[k, len(members) :] = members[-1]
        cumulative[k, : len(members)] = np.cumsum(weights) / weights.sum()
    return index, cumulative


COMPETITOR_BRANDS: tuple[str, ...] = (
    "美孚",
    "壳牌",
    "长城润滑油",
    "昆仑润滑油",
    "嘉实多",
    "道达尔",
    "福斯",
    "统一润滑油",
    "龙蟠",
    "胜牌",
)
PROMOTIONS: tuple[str, ...] = (
    "买十送一",
    "满5万元返利2%",
    "季度返利3%",
    "免费油品检测",
    "免费换油服务",
    "赠送加油枪和油桶架",
    "新客户首单九折",
    "年度协议价锁定",
    "账期延长至90天",
    "经销商进货奖励",
    "搭赠滤芯",
    "",
    "",
    "",
)
RESPONSES: tuple[str, ...] = (
    "重点客户上门拜访，稳定价格",
    "申请专项返利，保住份额",
    "提供免费油液检测服务",
    "加快送货，次日达",
    "推出同级别替代产品",
    "加强客情维护，暂不调价",
    "组织技术交流会",
    "报请经理审批特价",
)
