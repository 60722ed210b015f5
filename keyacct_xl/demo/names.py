"""Chinese person and company names for the demo: 城市 + 字号 + 行业词 + 后缀, unique per customer."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from keyacct_xl.demo.geo import CITIES


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _pairs(text: str) -> tuple[tuple[str, str], ...]:
    return tuple((w.split(":")[0], w.split(":")[1]) for w in _words(text))


# (hanzi, pinyin) so e-mail addresses can be spelled from the name.
SURNAMES = _pairs(
    "王:wang 李:li 张:zhang 刘:liu 陈:chen 杨:yang 黄:huang 赵:zhao 吴:wu 周:zhou 徐:xu 孙:sun 马:ma 朱:zhu "
    "胡:hu 郭:guo 何:he 林:lin 高:gao 罗:luo 郑:zheng 梁:liang 谢:xie 宋:song 唐:tang 许:xu 韩:han 冯:feng "
    "邓:deng 曹:cao 彭:peng 曾:zeng 田:tian 董:dong 潘:pan 袁:yuan 蔡:cai 蒋:jiang 余:yu 杜:du 叶:ye 程:cheng "
    "魏:wei 苏:su 吕:lv 丁:ding 沈:shen 任:ren 姚:yao 卢:lu 钟:zhong 汪:wang 方:fang 石:shi"
)
GIVEN = _pairs(
    "伟:wei 芳:fang 娜:na 敏:min 静:jing 丽:li 强:qiang 磊:lei 军:jun 洋:yang 勇:yong 艳:yan 杰:jie 娟:juan "
    "涛:tao 明:ming 超:chao 秀:xiu 霞:xia 平:ping 刚:gang 华:hua 建:jian 国:guo 文:wen 斌:bin 鹏:peng 辉:hui "
    "玲:ling 婷:ting 雪:xue 峰:feng 宇:yu 浩:hao 凯:kai 晨:chen 欣:xin 志:zhi 海:hai 春:chun 红:hong 东:dong "
    "俊:jun 佳:jia 琳:lin 丹:dan 亮:liang 飞:fei 慧:hui 波:bo 林:lin 荣:rong 新:xin 永:yong 德:de 成:cheng"
)

BRANDS = _words(
    "宏达 永盛 鑫源 恒通 华泰 金鼎 瑞丰 顺发 兴旺 天成 万隆 富源 嘉禾 众诚 鼎盛 联创 明珠 信达 博远 华瑞 "
    "中顺 金桥 益丰 德润 聚力 昌盛 宝丰 旭日 海天 隆昌 福满 祥和 泰和 凯瑞 远航 盛世 锦程 鸿运 同力 精工 "
    "协力 振华 新亚 利民 安达 海峰 诚信 立德 金泰 华达 宏图 裕丰 荣达 鑫隆 铭扬 佳和 天力 合众 通达 龙腾 "
    "三友 九鼎 恒远 凯达 金诚 弘毅 华宇 建新 东升 鑫达 永兴 华通 恒昌 金利 瑞祥 宏远 德信 源丰 盛达 博大"
)

_CO = ("有限公司", "有限公司", "有限公司", "股份有限公司", "有限责任公司")
_WORKS = ("厂", "有限公司", "制品厂")
_SHOP = ("商行", "经营部", "有限公司")


@dataclass(frozen=True)
class Industry:
    """A national-classification section (GB/T 4754) with the trade words its companies' names use."""

    name: str
    weight: float
    trades: tuple[tuple[str, tuple[str, ...]], ...]
    scope: str
    trade_customer: bool = False  # resellers and repair shops: outlets with an outlet and location type


INDUSTRIES: tuple[Industry, ...] = (
    Industry(
        "制造业",
        44,
        (
            ("机械制造", _CO),
            ("精密机械", _CO),
            ("模具", (*_CO, "厂")),
            ("注塑", (*_CO, "厂")),
            ("五金", _WORKS),
            ("汽车零部件", _CO),
            ("纺织", (*_CO, "厂")),
            ("塑胶制品", (*_CO, "厂")),
            ("电子科技", _CO),
            ("包装材料", _CO),
            ("钢结构", _CO),
            ("轴承", (*_CO, "厂")),
            ("液压设备", _CO),
            ("铸造", ("厂", "有限公司")),
            ("纸业", _CO),
            ("食品", _CO),
        ),
        "机械设备、金属制品的生产与销售",
    ),
    Industry(
        "批发和零售业",
        24,
        (
            ("商贸", ("有限公司", "行", "有限责任公司")),
            ("机电设备", ("有限公司", "经营部")),
            ("汽配", _SHOP),
            ("五金交电", _SHOP),
            ("润滑油", ("经销部", "商行", "有限公司")),
            ("工贸", ("有限公司",)),
            ("物资", ("有限公司", "供应站")),
        ),
        "润滑油、五金交电、机电设备的批发与零售",
        True,
    ),
    Industry(
        "居民服务、修理和其他服务业",
        7,
        (("汽车维修", ("厂", "服务中心", "有限公司")), ("汽车服务", ("有限公司", "中心")), ("机修", ("厂", "服务部"))),
        "机动车维修保养、设备修理",
        True,
    ),
    Industry(
        "交通运输、仓储和邮政业",
        7,
        (("物流", _CO), ("运输", (*_CO, "车队")), ("仓储", _CO), ("港务", _CO)),
        "道路货物运输、仓储服务",
    ),
    Industry(
        "建筑业",
        5,
        (("建设工程", _CO), ("路桥", _CO), ("建筑安装", _CO), ("基础工程", _CO)),
        "房屋建筑、市政道路工程施工",
    ),
    Industry(
        "采矿业",
        3,
        (("矿业", _CO), ("石材", ("有限公司", "厂")), ("砂石", ("有限公司", "厂"))),
        "矿产品开采、加工与销售",
    ),
    Industry(
        "电力、热力、燃气及水的生产和供应业",
        3,
        (("热电", _CO), ("供水", ("有限公司",)), ("燃气", _CO), ("新能源", _CO)),
        "热电联产、供水供气",
    ),
    Industry(
        "农、林、牧、渔业",
        2,
        (("农机", ("专业合作社", "服务站", "有限公司")), ("农业开发", ("有限公司",))),
        "农机作业服务、农产品种植",
    ),
    Industry(
        "租赁和商务服务业", 2, (("设备租赁", ("有限公司",)), ("工程机械租赁", ("有限公司",))), "工程机械、设备的租赁"
    ),
    Industry(
        "水利、环境和公共设施管理业",
        2,
        (("环卫", ("有限公司", "服务中心")), ("环保科技", ("有限公司",))),
        "环卫作业、环保设施运营",
    ),
    Industry("住宿和餐饮业", 0.6, (("酒店管理", ("有限公司",)),), "酒店住宿、餐饮服务"),
    Industry("其他", 0.4, (("实业", ("有限公司",)),), "实业投资、综合经营"),
)


def industry_weights() -> np.ndarray:
    """Sampling probabilities of the industries."""
    weights = np.array([i.weight for i in INDUSTRIES])
    return weights / weights.sum()


def person_names(rng: np.random.Generator, count: int) -> tuple[list[str], list[str]]:
    """Person names (surname + one or two given characters) and their pinyin."""
    sur = rng.integers(0, len(SURNAMES), count)
    g1 = rng.integers(0, len(GIVEN), count)
    g2 = rng.integers(0, len(GIVEN), count)
    two = rng.random(count) < 0.6
    names, pinyin = [], []
    for s, a, b, both in zip(sur, g1, g2, two):
        given = [GIVEN[a]] + ([GIVEN[b]] if both and b != a else [])
        names.append(SURNAMES[s][0] + "".join(g[0] for g in given))
        pinyin.append(SURNAMES[s][1] + "".join(g[1] for g in given))
    return names, pinyin


def company_names(
    rng: np.random.Generator, city_idx: np.ndarray, industry_idx: np.ndarray
) -> tuple[list[str], list[str], list[str]]:
    """Unique company names, their short names (字号 + trade word) and business scopes.

    A clash redraws the trade name, so the result never depends on set or hash order.
    """
    names: list[str] = []
    shorts: list[str] = []
    scopes: list[str] = []
    taken: set[str] = set()
    brands_of: dict[tuple[int, str], list[str]] = {}  # the brands taken in a city for a trade
    for city_i, ind_i in zip(city_idx, industry_idx):
        industry = INDUSTRIES[ind_i]
        while True:
            trade, suffixes = industry.trades[int(rng.integers(0, len(industry.trades)))]
            brand_i = int(rng.integers(0, len(BRANDS)))
            suffix = suffixes[int(rng.integers(0, len(suffixes)))]
            name = f"{CITIES[city_i].name}{BRANDS[brand_i]}{trade}{suffix}"
            if name not in taken:
                break
        brand_i = _distinct_brand(brand_i, brands_of.setdefault((int(city_i), trade), []))
        brand = BRANDS[brand_i]
        name = f"{CITIES[city_i].name}{brand}{trade}{suffix}"
        brands_of[(int(city_i), trade)].append(brand)
        taken.add(name)
        names.append(name)
        shorts.append(f"{brand}{trade if len(trade) <= 3 else trade[:2]}")
        scopes.append(industry.scope)
    return names, shorts, scopes


def _distinct_brand(drawn: int, taken: list[str]) -> int:
    """``drawn``, or the next brand sharing no character with a brand ``taken`` in the same city and trade: 上海信达
    and 上海宏达工程机械租赁, or 兴旺 twice under two legal forms, read as one company to the duplicate check and
    to a person. Stepping draws nothing, so the rest of the demo stays as it was; a city and trade that took so many
    brands that none is left distinct keeps the drawn one (a demo of tens of thousands of customers)."""
    shared = {ch for other in taken for ch in other}
    steps = ((drawn + step) % len(BRANDS) for step in range(len(BRANDS)))
    return next((brand for brand in steps if not set(BRANDS[brand]) & shared), drawn)
