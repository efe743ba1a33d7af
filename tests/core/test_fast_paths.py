"""The fast paths behind the mapping benchmark keep the semantics of the slow ones.

- ``Customer``/``Address`` are built through a mutable twin class (``model._mutable_twin``);
- ``register_wire_classes`` (plug-ins' attrs wire classes) gives the fast and the detailed
  converter the same cattrs hooks: both must accept and produce the same;
- arrays (``tuple[X, ...]``) accept only JSON arrays.
"""

from __future__ import annotations

import gc
import weakref
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import custbridge
from custbridge import Address, Customer, MappingError
from custbridge.convert import RecordMapper, make_converter, register_wire_classes


@attrs.frozen
class _Leaf:
    code: str
    label: str | None = None


@attrs.frozen
class _Wire:
    id: str
    name: str | None = None
    count: int | None = None
    ratio: float | None = None
    flag: bool | None = None
    when: datetime | None = None
    amount: Decimal | None = None
    tags: tuple[str, ...] = ()
    leaves: tuple[_Leaf, ...] | None = None
    leaf: _Leaf | None = None
    groups: list[_Leaf] = attrs.field(factory=list)
    anything: Any = None


_RENAMES = {_Wire: {"name": "displayName", "leaves": "items"}, _Leaf: {"label": "text"}}


def _configure(conv: Any) -> None:
    register_wire_classes(conv, (_Wire, _Leaf), _RENAMES)


def _outcome(conv: Any, record: Any) -> tuple[str, Any]:
    try:
        return "ok", conv.structure(record, _Wire)
    except Exception:
        return "error", None


_json_scalar = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=5),
    st.sampled_from(["2024-01-02T03:04:05Z", "2024-01-02", "12.50", "x"]),
)
_json = st.recursive(_json_scalar, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3), max_leaves=8)
_keys = st.sampled_from(["id", "displayName", "name", "count", "ratio", "flag", "when", "amount", "tags", "items", "leaf", "groups", "anything", "code", "text"])
_leafish = st.dictionaries(st.sampled_from(["code", "text", "label"]), _json_scalar, max_size=3)
_records = st.dictionaries(_keys, st.one_of(_json, _leafish, st.lists(_leafish, max_size=2), st.lists(st.text(max_size=3), max_size=3)), max_size=8)


@settings(max_examples=300, deadline=None)
@given(_records)
def test_fast_and_detailed_converters_agree(record: dict[str, Any]) -> None:
    fast, detailed = make_converter(), make_converter(detailed=True)
    _configure(fast)
    _configure(detailed)
    assert _outcome(fast, record) == _outcome(detailed, record)


def test_generated_hooks_read_renamed_keys_and_build_real_instances() -> None:
    conv = make_converter()
    _configure(conv)
    wire = conv.structure(
        {"id": "1", "displayName": "A", "count": 2, "ratio": 1, "flag": True, "when": "2024-01-02T03:04:05Z",
         "amount": "1.50", "tags": ["a"], "items": [{"code": "c", "text": "t"}], "leaf": {"code": "d"}, "anything": [1],
         "groups": [{"code": "g"}]},
        _Wire,
    )
    assert type(wire) is _Wire and type(wire.leaf) is _Leaf
    assert wire == _Wire(
        id="1", name="A", count=2, ratio=1.0, flag=True, when=datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
        amount=Decimal("1.50"), tags=("a",), leaves=(_Leaf(code="c", label="t"),), leaf=_Leaf(code="d"), anything=[1],
        groups=[_Leaf(code="g")],
    )
    assert conv.structure({"id": "2"}, _Wire).groups == []
    assert type(wire.ratio) is float
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        wire.id = "2"  # type: ignore[misc]


def test_wire_hooks_refuse_non_objects_and_bad_types() -> None:
    conv = make_converter()
    register_wire_classes(conv, (_Wire, _Leaf), _RENAMES)
    hook = conv.get_structure_hook(_Wire)

    def structure(value: Any) -> Any:
        return hook(value, _Wire)

    bad: Any
    for bad in ("x", [], None, {"name": "no id"}, {"id": 1}, {"id": "1", "flag": "yes"}, {"id": "1", "count": True}):
        with pytest.raises(Exception):  # noqa: B017 - any error: the mapper explains it
            structure(bad)


def test_arrays_accept_only_json_arrays() -> None:
    for detailed in (False, True):
        conv = make_converter(detailed=detailed)
        assert conv.structure(["a", "b"], tuple[str, ...]) == ("a", "b")
        assert conv.structure(("a",), tuple[str, ...]) == ("a",)
        assert conv.structure(("a",), list[str]) == ["a"]
        for bad in ("vip", {"a": 1}, 3, ""):
            for kind in (tuple[str, ...], list[str]):
                with pytest.raises(Exception):  # noqa: B017
                    conv.structure(bad, kind)


def test_mapping_error_names_the_array_element() -> None:
    mapper = RecordMapper("p", _Wire, lambda w, raw: Customer(provider="p", id=w.id, raw=raw), _configure, _RENAMES)
    assert mapper({"id": "1", "tags": ["a"]}).id == "1"
    with pytest.raises(MappingError) as info:
        mapper({"id": "1", "tags": "vip", "items": [{"code": "c"}, {"text": "no code"}]})
    assert {path for path, _ in info.value.paths} == {"$.tags", "$.items[1].code"}


def test_fast_constructors_leave_no_twin_behind() -> None:
    c = Customer(provider="p", id="1", first_name=" Ann ", address=Address(city=" Gent "))
    assert type(c) is Customer and type(c.address) is Address
    assert c.first_name == "Ann" and c.address is not None and c.address.city == "Gent"
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        c.id = "2"  # type: ignore[misc]
    ref = weakref.ref(c)
    del c
    gc.collect()
    assert ref() is None
    with pytest.raises(ValueError, match="timezone-aware"):
        Customer(provider="p", id="1", updated_at=datetime(2024, 1, 1))


def test_a_plain_subclass_keeps_its_class() -> None:
    class Special(Customer):
        pass

    s = Special(provider="p", id="1", email=" a@b.c ")
    assert type(s) is Special and s.email == "a@b.c" and s.display_name == "a@b.c"


@pytest.mark.parametrize("provider", sorted(custbridge.providers()))
def test_a_second_client_generates_no_code(provider: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Structure code (cattrs' generated hooks for attrs wire classes; msgspec decoders need
    none) is made once per process, not once per connect (issue 12)."""
    import builtins

    from custbridge import sandbox

    with sandbox.connect(provider, size=5) as client:
        first = list(client.list())
    compiled: list[str] = []
    real = compile

    def counting(source: Any, filename: str, *args: Any, **kwargs: Any) -> Any:
        compiled.append(filename)
        return real(source, filename, *args, **kwargs)

    monkeypatch.setattr(builtins, "compile", counting)  # whoever generates code, cattrs included
    with sandbox.connect(provider, size=5) as client:
        again = list(client.list())
    assert [c.key for c in again] == [c.key for c in first]
    assert compiled == []
