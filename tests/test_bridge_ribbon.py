"""The ribbon source macros_bridge/customUI14.xml: valid against Microsoft's customui14.xsd, well-formed tab."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from xml.etree import ElementTree

import pytest
import xmlschema

NS = {"c": "http://schemas.microsoft.com/office/2009/07/customui"}


def ribbon_xml() -> bytes:
    return resources.files("keyacct_xl.macros_bridge").joinpath("customUI14.xml").read_bytes()


@pytest.fixture(scope="module")
def schema(shared_schemas: Path) -> xmlschema.XMLSchema:
    xsd = shared_schemas / "customui14.xsd"
    if not xsd.exists():
        pytest.fail(f"{xsd} is missing from shared/schemas")
    return xmlschema.XMLSchema(str(xsd))


def test_ribbon_validates_against_customui14_xsd(schema: xmlschema.XMLSchema) -> None:
    schema.validate(ribbon_xml().decode("utf-8"))


def test_ribbon_tab_groups_and_buttons() -> None:
    root = ElementTree.fromstring(ribbon_xml())
    tabs = root.findall(".//c:tab", NS)
    assert [t.get("label") for t in tabs] == ["重点客户 Key Accounts"]
    groups = [g.get("label") for g in tabs[0].findall("c:group", NS)]
    assert [g.split()[-1] for g in groups] == ["Forms", "Consolidate", "Analysis", "Finance", "Meeting", "Help"]
    buttons = root.findall(".//c:button", NS)
    assert len({b.get("tag") for b in buttons}) == len(buttons)
    for button in buttons:
        # One generic callback; built-in icons; zh label with an English screentip.
        assert button.get("onAction") == "KeyAcctRibbonAction"
        assert button.get("imageMso")
        assert any("\u4e00" <= ch <= "\u9fff" for ch in button.get("label"))
        assert button.get("screentip").isascii()


def test_every_ribbon_tag_names_a_registered_action() -> None:
    from keyacct_xl.macros import ACTIONS

    buttons = ElementTree.fromstring(ribbon_xml()).findall(".//c:button", NS)
    tags = [b.get("tag") for b in buttons]
    assert set(tags) <= set(ACTIONS), sorted(set(tags) - set(ACTIONS))
    # And every action has its button, labelled as the registry names it (the alerts and run --list use those).
    assert set(ACTIONS) <= set(tags), sorted(set(ACTIONS) - set(tags))
    for button in buttons:
        action = ACTIONS[button.get("tag")]
        assert (button.get("label"), button.get("screentip")) == (action.zh, action.en), action.name
