"""What the demo company sells: lubricants and industrial consumables, with list prices and margins.

The domain's worked example (DOMAIN.md, form 10) is a plastics factory buying 46# hydraulic oil at
1,850 CNY per 200 L drum; the catalogue is built around that price level.
"""

from __future__ import annotations

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
