"""Where the demo customers are: seven sales regions, real cities with their area and division codes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class City:
    """A real city: region, province (blank for municipalities), phone area code, GB/T 2260 division code."""

    name: str
    pinyin: str
    region: str
    province: str
    area_code: str
    division: str
    districts: tuple[str, ...]
    weight: float


def _city(
    name: str, pinyin: str, region: str, province: str, area: str, division: str, districts: str, weight: float
) -> City:
    return City(name, pinyin, region, province, area, division, tuple(districts.split()), weight)


# Weights: the demo company sits in Shanghai, so East China carries most customers.
CITIES: tuple[City, ...] = (
    _city("上海", "Shanghai", "华东", "", "021", "310000", "浦东新区 嘉定区 松江区 闵行区 宝山区", 6),
    _city("苏州", "Suzhou", "华东", "江苏省", "0512", "320500", "吴中区 相城区 工业园区 吴江区", 4),
    _city("无锡", "Wuxi", "华东", "江苏省", "0510", "320200", "锡山区 惠山区 新吴区", 2.5),
    _city("南京", "Nanjing", "华东", "江苏省", "025", "320100", "江宁区 浦口区 栖霞区", 2.5),
    _city("杭州", "Hangzhou", "华东", "浙江省", "0571", "330100", "萧山区 余杭区 滨江区 临平区", 3),
    _city("宁波", "Ningbo", "华东", "浙江省", "0574", "330200", "北仑区 鄞州区 镇海区", 2.5),
    _city("合肥", "Hefei", "华东", "安徽省", "0551", "340100", "蜀山区 包河区 肥西县", 1.5),
    _city("济南", "Jinan", "华东", "山东省", "0531", "370100", "历城区 章丘区 槐荫区", 1.5),
    _city("青岛", "Qingdao", "华东", "山东省", "0532", "370200", "黄岛区 城阳区 即墨区", 2),
    _city("厦门", "Xiamen", "华东", "福建省", "0592", "350200", "集美区 海沧区 同安区", 1.2),
    _city("福州", "Fuzhou", "华东", "福建省", "0591", "350100", "仓山区 晋安区 闽侯县", 1),
    _city("广州", "Guangzhou", "华南", "广东省", "020", "440100", "白云区 番禺区 黄埔区 花都区", 3.5),
    _city("深圳", "Shenzhen", "华南", "广东省", "0755", "440300", "宝安区 龙岗区 龙华区 光明区", 3),
    _city("东莞", "Dongguan", "华南", "广东省", "0769", "441900", "长安镇 虎门镇 松山湖 塘厦镇", 2.5),
    _city("佛山", "Foshan", "华南", "广东省", "0757", "440600", "顺德区 南海区 三水区", 2.5),
    _city("南宁", "Nanning", "华南", "广西壮族自治区", "0771", "450100", "江南区 西乡塘区 良庆区", 1),
    _city("北京", "Beijing", "华北", "", "010", "110000", "大兴区 顺义区 通州区 昌平区", 3),
    _city("天津", "Tianjin", "华北", "", "022", "120000", "滨海新区 西青区 北辰区 东丽区", 2.5),
    _city("石家庄", "Shijiazhuang", "华北", "河北省", "0311", "130100", "长安区 裕华区 藁城区", 1.5),
    _city("唐山", "Tangshan", "华北", "河北省", "0315", "130200", "路北区 丰润区 曹妃甸区", 1.2),
    _city("太原", "Taiyuan", "华北", "山西省", "0351", "140100", "小店区 万柏林区 清徐县", 1),
    _city("武汉", "Wuhan", "华中", "湖北省", "027", "420100", "东西湖区 汉阳区 江夏区 蔡甸区", 3),
    _city("长沙", "Changsha", "华中", "湖南省", "0731", "430100", "雨花区 望城区 长沙县", 2),
    _city("郑州", "Zhengzhou", "华中", "河南省", "0371", "410100", "中原区 管城回族区 新郑市", 2),
    _city("南昌", "Nanchang", "华中", "江西省", "0791", "360100", "青山湖区 南昌县 新建区", 1.2),
    _city("成都", "Chengdu", "西南", "四川省", "028", "510100", "双流区 郫都区 龙泉驿区 新都区", 3),
    _city("重庆", "Chongqing", "西南", "", "023", "500000", "渝北区 九龙坡区 江津区 璧山区", 2.5),
    _city("昆明", "Kunming", "西南", "云南省", "0871", "530100", "官渡区 呈贡区 安宁市", 1.2),
    _city("贵阳", "Guiyang", "西南", "贵州省", "0851", "520100", "观山湖区 白云区 花溪区", 1),
    _city("西安", "Xi'an", "西北", "陕西省", "029", "610100", "未央区 长安区 高陵区", 2),
    _city("兰州", "Lanzhou", "西北", "甘肃省", "0931", "620100", "七里河区 安宁区 西固区", 0.8),
    _city("银川", "Yinchuan", "西北", "宁夏回族自治区", "0951", "640100", "金凤区 西夏区 兴庆区", 0.6),
    _city("乌鲁木齐", "Urumqi", "西北", "新疆维吾尔自治区", "0991", "650100", "新市区 米东区 头屯河区", 0.7),
    _city("沈阳", "Shenyang", "东北", "辽宁省", "024", "210100", "铁西区 浑南区 于洪区", 1.8),
    _city("大连", "Dalian", "东北", "辽宁省", "0411", "210200", "甘井子区 金州区 旅顺口区", 1.5),
    _city("长春", "Changchun", "东北", "吉林省", "0431", "220100", "绿园区 朝阳区 宽城区", 1.2),
    _city("哈尔滨", "Harbin", "东北", "黑龙江省", "0451", "230100", "香坊区 平房区 道里区", 1.2),
)
REGIONS: tuple[str, ...] = ("华东", "华南", "华北", "华中", "西南", "西北", "东北")

ROADS: tuple[str, ...] = (
    "人民路",
    "解放路",
    "中山路",
    "建设路",
    "工业大道",
    "长江路",
    "黄河路",
    "创业路",
    "科技路",
    "发展大道",
    "金山路",
    "兴业路",
    "环城东路",
    "经一路",
    "纬二路",
    "开发区大道",
    "滨江路",
    "新华路",
    "友谊路",
    "和平路",
    "机场路",
    "东环路",
    "西环路",
    "园区大道",
    "光华路",
    "振兴路",
    "富民路",
    "工业园路",
    "高新大道",
    "秀水路",
)

# GB 32100-2015: the unified social credit code's alphabet (no I, O, S, V, Z) and check-digit weights.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28])


def city_weights() -> np.ndarray:
    """Sampling probabilities of the cities."""
    weights = np.array([c.weight for c in CITIES])
    return weights / weights.sum()


def short_province(province: str) -> str:
    """江苏省 -> 江苏, 广西壮族自治区 -> 广西; municipalities have none."""
    for suffix in ("壮族自治区", "回族自治区", "维吾尔自治区", "省"):
        province = province.removesuffix(suffix)
    return province


def addresses(rng: np.random.Generator, city_idx: np.ndarray) -> tuple[list[str], list[str]]:
    """A street address in each customer's city and the district it lies in (districts order the routes)."""
    roads = rng.integers(0, len(ROADS), len(city_idx))
    numbers = rng.integers(1, 999, len(city_idx))
    picks = rng.random(len(city_idx))
    out, districts = [], []
    for i, road, number, pick in zip(city_idx, roads, numbers, picks):
        city = CITIES[i]
        district = city.districts[int(pick * len(city.districts))]
        out.append(f"{city.province}{city.name}市{district}{ROADS[road]}{number}号")
        districts.append(district)
    return out, districts


def landlines(rng: np.random.Generator, city_idx: np.ndarray) -> list[str]:
    """Fixed-line numbers with the city's area code (8 digits, 7 for smaller cities' old numbers)."""
    digits = rng.integers(2, 9, len(city_idx))
    rest = rng.integers(0, 10_000_000, len(city_idx))
    return [f"{CITIES[i].area_code}-{d}{r:07d}" for i, d, r in zip(city_idx, digits, rest)]


def mobiles(rng: np.random.Generator, count: int) -> list[str]:
    """Chinese mobile numbers (11 digits, real 13x-19x prefixes)."""
    prefixes = np.array(
        [
            130,
            131,
            133,
            135,
            136,
            137,
            138,
            139,
            150,
            151,
            152,
            158,
            159,
            166,
            176,
            177,
            180,
            181,
            186,
            187,
            188,
            189,
            199,
        ]
    )
    heads = prefixes[rng.integers(0, len(prefixes), count)]
    tails = rng.integers(0, 100_000_000, count)
    return [f"{h}{t:08d}" for h, t in zip(heads, tails)]


def tax_ids(rng: np.random.Generator, city_idx: np.ndarray) -> list[str]:
    """18-character unified social credit codes: 91 (enterprise), division code, body, GB 32100 check char."""
    body = rng.integers(0, len(USCC_ALPHABET), (len(city_idx), 9))
    body[:, 0] = rng.integers(0, 10, len(city_idx))  # organisation codes start with a digit
    out = []
    alphabet = USCC_ALPHABET
    for i, chars in zip(city_idx, body):
        head = "91" + CITIES[i].division
        values = [alphabet.index(ch) for ch in head] + chars.tolist()
        check = (31 - int(np.dot(_USCC_WEIGHTS, values)) % 31) % 31
        out.append(head + "".join(alphabet[v] for v in chars) + alphabet[check])
    return out
