"""Demo contacts (with the Mackay-66 profile for key customers) and the reps' visit records."""

from __future__ import annotations

import numpy as np
import pandas as pd

from keyacct_xl.demo import geo, names
from keyacct_xl.demo.calendar import DAYS, sample_days
from keyacct_xl.demo.catalog import CATEGORIES, COMPETITOR_BRANDS, PRODUCTS

TITLES = ("采购经理", "设备主管", "财务经理", "仓库主管", "车间主任", "采购员", "技术员", "副总经理")
MAIL_DOMAINS = ("163.com", "qq.com", "126.com", "sina.com", "139.com")
EDUCATION = ("高中", "中专", "大专", "本科", "本科", "硕士", "EMBA")
FAMILY = ("已婚，一子", "已婚，一女", "已婚，一子一女", "已婚，两个儿子", "未婚", "已婚，孩子在读大学", "离异，一女")
HEALTH = ("良好", "良好", "良好", "有高血压，少饮酒", "胃不好，忌辛辣", "腰椎不好，不宜久坐", "痛风，忌海鲜啤酒")
BELIEFS = ("无", "无", "无", "中共党员", "信佛", "基督徒")
HOBBIES = ("钓鱼", "喝茶", "打高尔夫", "羽毛球", "登山", "摄影", "象棋", "足球", "收藏紫砂壶", "自驾游", "书法", "篮球")
AVOID = ("不谈政治", "不提前公司", "忌谈孩子升学", "不喜欢被催款", "忌谈离婚", "不谈竞争对手的好话", "无")
CONTACT_NOTES = ("决策人", "对价格敏感", "关注服务响应速度", "有技术背景，重视检测数据", "新上任", "")

# Visit methods and ratings as the forms list them (DOMAIN.md forms 6-8).
METHODS = ("面访", "电话", "邮件", "其他")
METHOD_P = (0.45, 0.38, 0.08, 0.09)
RATINGS = ("很好", "好", "一般", "差", "很差")
RATING_P = (0.22, 0.45, 0.23, 0.08, 0.02)
VISITS_PER_MONTH = {"VIP": 1.6, "A": 1.0, "B": 0.45, "C": 0.2}
PURPOSES: dict[str, tuple[str, ...]] = {
    "例行拜访": ("了解{product}本月用量，库存约可用两周", "巡查设备润滑情况，客户反馈正常"),
    "新品推介": ("介绍{product}，客户同意先试用一桶", "推介{product}，客户需与技术部商量"),
    "回款催收": ("对账确认欠款，客户承诺月底前付款", "催收逾期货款，财务称资金紧张，分两次付清"),
    "投诉处理": ("客户反映{product}有杂质，已取样送检", "送货延误一天，已致歉并调整配送时间"),
    "合同洽谈": ("洽谈明年年度供货协议，客户要求降价3%", "讨论{product}年度采购量和价格"),
    "技术服务": ("为客户做油品检测，建议缩短换油周期", "现场指导{product}的使用与储存"),
    "客情维护": ("节前走访，赠送台历和礼品", "与客户负责人沟通明年生产计划"),
    "需求调研": ("客户新上两条生产线，预计增加{category}用量", "了解到客户正在比较{competitor}的报价"),
}
RESULTS = {
    "good": ("已下订单", "客户满意", "同意试用", "问题已解决"),
    "fair": ("待客户答复", "需再次跟进", "客户暂无需求"),
    "poor": ("客户不满意，需经理出面", "客户转向竞品", "回款未落实"),
}
NEXT_STEPS = {
    "good": ("按时送货", "下月例行回访", "跟进试用效果", "寄送对账单"),
    "fair": ("下周电话跟进", "报价给客户", "安排技术人员上门", "月底前再次拜访"),
    "poor": ("报经理处理", "申请特价挽回", "暂停发货，跟踪回款", "上门道歉并提出整改方案"),
}


def make_contacts(rng: np.random.Generator, profiles: pd.DataFrame, key: np.ndarray) -> pd.DataFrame:
    """1-3 contacts per customer; the first is the owner. Key customers' first contacts carry the Mackay profile."""
    size_rank = profiles["size"].rank(pct=True).to_numpy()
    count = 1 + rng.binomial(2, 0.25 + 0.5 * size_rank)
    cust = np.repeat(np.arange(len(profiles)), count)
    first = np.r_[True, cust[1:] != cust[:-1]]
    total = len(cust)
    others, pinyin = names.person_names(rng, total)
    owner = profiles["owner"].to_numpy()[cust]
    name = np.where(first, owner, np.array(others, dtype=object))
    spelled = np.where(first, profiles["owner_pinyin"].to_numpy()[cust], np.array(pinyin, dtype=object))
    title = np.where(first, "总经理", np.array(TITLES, dtype=object)[rng.integers(0, len(TITLES), total)])
    mail = rng.random(total) < 0.7
    email = [
        f"{s}{n:02d}@{MAIL_DOMAINS[d]}" if m else None
        for s, n, d, m in zip(spelled, rng.integers(1, 99, total), rng.integers(0, len(MAIL_DOMAINS), total), mail)
    ]
    wechat = np.where(
        rng.random(total) < 0.75,
        [f"wxid_{s}{n:04d}" for s, n in zip(spelled, rng.integers(0, 10_000, total))],
        [str(q) for q in rng.integers(10_000_000, 2_999_999_999, total)],
    )
    profiled = first & key[cust]
    frame = pd.DataFrame(
        {
            "contact_id": [f"LX{i + 1:05d}" for i in range(total)],
            "customer_id": profiles["customer_id"].to_numpy()[cust],
            "name": name,
            "title": title,
            "phone": geo.mobiles(rng, total),
            "email": email,
            "wechat": wechat,
            "nickname": np.where(first, [f"{n[0]}总" for n in name], None),
            "birthday": _birthdays(rng, total, profiled | (rng.random(total) < 0.25)),
        }
    )
    for column, choices in (
        ("birthplace", [geo.short_province(c.province) + c.name for c in geo.CITIES]),
        ("education", EDUCATION),
        ("family", FAMILY),
        ("health", HEALTH),
        ("religion_politics", BELIEFS),
        ("avoid_topics", AVOID),
    ):
        frame[column] = np.where(profiled, np.array(choices, dtype=object)[rng.integers(0, len(choices), total)], None)
    hobbies = ["、".join(rng.choice(HOBBIES, 2, replace=False)) for _ in range(total)]
    frame["hobbies"] = np.where(profiled, hobbies, None)
    frame["notes"] = np.where(
        rng.random(total) < 0.3, np.array(CONTACT_NOTES, dtype=object)[rng.integers(0, len(CONTACT_NOTES), total)], None
    )
    frame["notes"] = frame["notes"].replace("", None)
    # Roles follow the title (no random draw, so the rest of the demo stays as it was): the owner decides, a
    # purchasing title buys. Everyone is still there (在职 blank means active).
    buyer = np.char.find(title.astype(str), "采购") >= 0
    frame["decision_role"] = pd.Series(np.select([first, buyer], ["决策者", "采购"], ""), index=frame.index).replace(
        "", None
    )
    frame["relationship_level"] = None
    frame["active"] = None
    frame["left_date"] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    return frame


def _birthdays(rng: np.random.Generator, count: int, known: np.ndarray) -> pd.Series:
    days = pd.Timestamp("1962-01-01") + pd.to_timedelta(rng.integers(0, 365 * 34, count), unit="D")
    return pd.Series(days).where(known, pd.NaT)


def make_visits(
    rng: np.random.Generator, profiles: pd.DataFrame, grade: np.ndarray, contacts: pd.DataFrame, weights: np.ndarray
) -> pd.DataFrame:
    """Visit records: more often for better grades, a few win-back visits after a customer lapsed."""
    first = profiles["first_day"].to_numpy()
    prospect = (profiles["stage"] == "prospect").to_numpy()
    first = np.where(prospect, len(DAYS) - 365, first)
    last = np.minimum(profiles["last_day"].to_numpy() + 120, len(DAYS) - 1)
    rate = np.where(prospect, 0.35, pd.Series(grade).map(VISITS_PER_MONTH).to_numpy())
    counts = rng.poisson(rate * (last - first + 1) / 30.4)
    cust = np.repeat(np.arange(len(profiles)), counts)
    day = sample_days(rng, weights, first[cust], last[cust])
    order = np.lexsort((cust, day))
    cust, day = cust[order], day[order]
    total = len(cust)
    after_lapse = day > profiles["last_day"].to_numpy()[cust]
    rating_p = np.where(after_lapse[:, None], (0.02, 0.13, 0.4, 0.3, 0.15), RATING_P)
    rating = np.minimum((np.cumsum(rating_p, axis=1) < rng.random(total)[:, None]).sum(axis=1), 4)
    mood = np.select([rating <= 1, rating == 2], ["good", "fair"], "poor")
    purpose = np.array(list(PURPOSES), dtype=object)[rng.integers(0, len(PURPOSES), total)]
    dates = DAYS[day]
    visits = pd.DataFrame(
        {
            "date": dates,
            "customer_id": profiles["customer_id"].to_numpy()[cust],
            "rep": profiles["rep"].to_numpy()[cust],
            "contact": _contact_names(rng, contacts, profiles, cust),
            "method": rng.choice(np.array(METHODS, dtype=object), total, p=METHOD_P),
            "purpose": purpose,
            "content": _contents(rng, purpose),
            "result": [_choose(rng, RESULTS[m]) for m in mood],
            "rating": np.array(RATINGS, dtype=object)[rating],
            "next_step": [_choose(rng, NEXT_STEPS[m]) for m in mood],
            "next_date": pd.Series(dates + pd.to_timedelta(rng.integers(7, 61, total), unit="D")).where(
                rng.random(total) < 0.8, pd.NaT
            ),
        }
    )
    # A poor visit states its problem (the forms require it); what the follow-up forms add is left blank, so the
    # random draws above, and with them the whole demo, stay as they were.
    visits["problems"] = visits["result"].where(pd.Series(mood) == "poor", None)
    for column in ("service_rating", "product_opinion", "service_opinion", "needs_visit", "stock_check"):
        visits[column] = None
    visits["order_amount"] = np.nan
    return visits


def _choose(rng: np.random.Generator, options: tuple[str, ...]) -> str:
    return options[int(rng.integers(0, len(options)))]


def _contact_names(
    rng: np.random.Generator, contacts: pd.DataFrame, profiles: pd.DataFrame, cust: np.ndarray
) -> np.ndarray:
    """A contact of the visited customer, the first (the owner) most often."""
    position = profiles["customer_id"].reset_index(drop=True)
    index = pd.Index(position)
    owner_of = index.get_indexer(contacts["customer_id"])
    start = np.searchsorted(owner_of, np.arange(len(profiles)))
    count = np.bincount(owner_of, minlength=len(profiles))
    pick = np.where(rng.random(len(cust)) < 0.6, 0, rng.integers(0, 3, len(cust)) % count[cust])
    return contacts["name"].to_numpy()[start[cust] + pick]


def _contents(rng: np.random.Generator, purpose: np.ndarray) -> list[str]:
    product = rng.integers(0, len(PRODUCTS), len(purpose))
    category = rng.integers(0, len(CATEGORIES), len(purpose))
    competitor = rng.integers(0, len(COMPETITOR_BRANDS), len(purpose))
    variant = rng.integers(0, 2, len(purpose))
    return [
        PURPOSES[p][v].format(product=PRODUCTS[i].name, category=CATEGORIES[c].name, competitor=COMPETITOR_BRANDS[k])
        for p, v, i, c, k in zip(purpose, variant, product, category, competitor)
    ]
