"""Traces as graphs and their renderings (DOT, SVG, Mermaid, HTML), on real
counterexamples from the engines and on the same traces read back from ITF."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from typing import Optional

import networkx as nx
import pytest

from scmcheck.model.designs import built_in
from scmcheck.properties.catalog import CATALOG
from scmcheck.properties.engines import bmc, explicit
from scmcheck.traces import itf
from scmcheck.traces.graph import cause_sources, held_values, trace_to_graph
from scmcheck.traces import render_svg as rs
from scmcheck.traces.render import render
from scmcheck.traces.render_mermaid import sanitise
from scmcheck.traces.trace import Step, Trace, VarInfo

SVG_NS = "{http://www.w3.org/2000/svg}"
STOP = "service-stopped-before-workers-exit"
PROP = "stopped_only_after_threads_exit"


def _trace(design: str, prop: str, engine=explicit, workers: Optional[int] = 2) -> Trace:
    d = built_in(design)
    m = d.build({"workers": workers} if workers is not None else {})
    [r] = engine.run(m, [CATALOG[prop].goal(m)])
    assert r.trace is not None, f"{engine.__name__} found no counterexample to {prop} in {design}"
    r.trace.design = r.trace.design or design
    return r.trace


@pytest.fixture(scope="module")
def stop_trace() -> Trace:
    return _trace(STOP, PROP)


@pytest.fixture(scope="module")
def loaded_trace(stop_trace, tmp_path_factory) -> Trace:
    path = tmp_path_factory.mktemp("itf") / "stop.itf.json"
    itf.save(stop_trace, path)
    return itf.load(path)


@pytest.fixture(scope="module")
def handler_trace() -> Trace:
    """A counterexample whose last step is a clock tick (time passing is the violation)."""
    return _trace("service-stop-work-in-handler", "handler_returns_within_30s")


@pytest.fixture(scope="module")
def com_trace() -> Trace:
    """A COM counterexample: five lanes (two of them idle), actions with several arguments."""
    return _trace("com-no-implicit-lock", "client_never_holds_disconnected_object", workers=None)


def _node(g: nx.DiGraph, action: str) -> int:
    [n] = [n for n, d in g.nodes(data=True) if d["action"] == action]
    return n


# ---------------------------------------------------------------- graph


@pytest.mark.parametrize("which", ["engine", "itf"])
def test_graph_structure(which, stop_trace, loaded_trace):
    trace = stop_trace if which == "engine" else loaded_trace
    g = trace_to_graph(trace)
    assert g.number_of_nodes() == trace.length + 1 == 8
    assert g.nodes[0]["action"] == "init" and g.nodes[0]["lane"] is None
    for k, step in enumerate(trace.steps, start=1):
        assert g.nodes[k]["lane"] == step.process
        assert g.nodes[k]["action"] == step.label
        assert g.nodes[k]["time"] == step.time
        assert g.nodes[k]["changes"] == trace.changes(k - 1)
    assert [n for n, d in g.nodes(data=True) if d["violated"]] == [trace.length]
    assert g.graph["property"] == PROP and g.graph["rules"] == list(trace.rules)
    assert g.graph["lanes"] == ["scm", "dispatcher", "service_main", "worker[0]", "worker[1]", "clock"]
    assert g.graph["model"] == "service" and g.graph["design"] == STOP

    # program edges: exactly consecutive steps of each lane
    program = {(u, v) for u, v, d in g.edges(data=True) if d["kind"] == "program"}
    expected = set()
    for lane in g.graph["lanes"]:
        ks = [k for k, s in enumerate(trace.steps, start=1) if s.process == lane]
        expected |= set(zip(ks, ks[1:]))
    assert program == expected
    # in this trace ServiceMain takes steps 3, 5, 7 and the clock 4, 6
    assert {(3, 5), (5, 7), (4, 6)} <= program

    # cause edges: control sent -> handler runs; event set -> wait returns
    send, accept, wake = _node(g, "scm_send_stop"), _node(g, "handler_accept_stop"), _node(g, "main_begin_stop")
    assert g.edges[send, accept] == {"kind": "cause", "var": ["control"]}
    assert g.edges[accept, wake]["kind"] == "cause" and "stop_event" in g.edges[accept, wake]["var"]
    causes = [(u, v, d) for u, v, d in g.edges(data=True) if d["kind"] == "cause"]
    for u, v, d in causes:
        assert u < v and g.nodes[u]["lane"] != g.nodes[v]["lane"]
        assert "clock" not in (g.nodes[u]["lane"], g.nodes[v]["lane"])
        assert isinstance(d["var"], list) and d["var"]
    # clock steps stay nodes even without cause edges
    assert [n for n, d in g.nodes(data=True) if d["lane"] == "clock"] == [4, 6]


def test_graph_same_from_engine_and_itf(stop_trace, loaded_trace):
    a = nx.node_link_data(trace_to_graph(stop_trace), edges="edges")
    b = nx.node_link_data(trace_to_graph(loaded_trace), edges="edges")
    assert a == b


def test_graph_node_link_round_trip(stop_trace):
    g = trace_to_graph(stop_trace)
    data = json.loads(json.dumps(nx.node_link_data(g, edges="edges")))
    h = nx.node_link_graph(data, edges="edges")
    assert isinstance(h, nx.DiGraph)
    assert dict(h.nodes(data=True)) == dict(g.nodes(data=True))
    assert sorted(h.edges(data=True)) == sorted(g.edges(data=True))
    assert h.graph == g.graph


def _toy(steps: list[tuple[str, str, tuple, tuple, tuple]]) -> Trace:
    """A hand-made trace over three booleans: (action, process, reads, writes, state)."""
    vs = [VarInfo("a", "bool"), VarInfo("b", "bool"), VarInfo("c", "bool")]
    return Trace("toy", vs, (False, False, False),
                 [Step(a, p, {}, st, 0.0, r, w) for a, p, r, w, st in steps],
                 property="p", processes=["x", "y", "z"])


def test_cause_is_the_last_change_by_another_lane():
    t = _toy([
        ("x_set_a", "x", (), ("a",), (True, False, False)),
        ("y_set_a_again", "y", (), ("a",), (True, False, False)),  # writes a, no change: not a cause
        ("z_read_a", "z", ("a",), ("c",), (True, False, True)),
        ("x_set_b", "x", (), ("b",), (True, True, True)),
        ("x_read_b", "x", ("b",), (), (True, True, True)),  # own lane changed b: no cause edge
        ("y_read_a_c", "y", ("a", "b", "c"), (), (True, True, True)),
    ])
    assert cause_sources(t) == {3: {1: ["a"]}, 6: {1: ["a"], 3: ["c"], 4: ["b"]}}
    g = trace_to_graph(t)
    assert g.edges[1, 3]["var"] == ["a"]
    assert not g.has_edge(2, 3)
    assert g.edges[4, 5]["kind"] == "program"
    assert {(u, v) for u, v, d in g.edges(data=True) if d["kind"] == "start"} == {(0, 1), (0, 2), (0, 3)}


# ---------------------------------------------------------------- SVG


def _svg(trace: Trace) -> ET.Element:
    root = ET.fromstring(render(trace, "svg"))
    assert root.tag == f"{SVG_NS}svg"
    return root


def _texts(root: ET.Element) -> list[str]:
    return ["".join(e.itertext()) for e in root.iter(f"{SVG_NS}text")]


@pytest.mark.parametrize("which", ["engine", "itf"])
def test_svg_is_a_sequence_diagram(which, stop_trace, loaded_trace):
    trace = stop_trace if which == "engine" else loaded_trace
    root = _svg(trace)
    texts = _texts(root)
    for lane in ["scm", "dispatcher", "service_main", "worker[0]", "worker[1]"]:
        assert lane in texts, lane
    assert "clock" not in texts  # time is the axis, not a column
    assert any(PROP in t for t in texts)
    assert any("000.3" in t for t in texts)
    assert "t=10s" in texts and "t=20s" in texts and texts.count("+10 s") == 2
    steps = [g for g in root.iter(f"{SVG_NS}g") if "step" in g.get("class", "").split()]
    expected = [(k, s.process) for k, s in enumerate(trace.steps, start=1) if s.process != "clock"]
    assert [(int(g.get("data-step")), g.get("data-lane")) for g in steps] == expected
    assert [g.get("data-step") for g in steps if "violated" in g.get("class")] == [str(trace.length)]
    ticks = [e.get("data-steps") for e in root.iter(f"{SVG_NS}line") if e.get("class") == "tick-rule"]
    assert ticks == ["4-4", "6-6"]
    g = trace_to_graph(trace)
    arrows = {(int(p.get("data-from")), int(p.get("data-to")))
              for p in root.iter(f"{SVG_NS}path") if p.get("class") == "cause-edge"}
    assert arrows == {(u, v) for u, v, d in g.edges(data=True) if d["kind"] == "cause"}
    assert (1, 2) in arrows


def test_svg_violation_at_a_tick(handler_trace):
    assert handler_trace.steps[-1].process == "clock"
    root = _svg(handler_trace)
    texts = _texts(root)
    assert any("handler_returns_within_30s is violated once this time has passed" in t for t in texts)
    # the handler took STOP at t=0 and the tick that breaks the 30 s limit stops at the first
    # millisecond past it (a deadline of handler_elapsed <= 30 s)
    assert "t=30.001s" in texts
    assert not [g for g in root.iter(f"{SVG_NS}g") if "violated" in g.get("class", "")]


def test_svg_width_from_lanes_height_from_steps():
    def trace(n_steps: int, lanes: int) -> Trace:
        vs = [VarInfo("v", "int", 0, 1000)]
        procs = [f"t{k}" for k in range(lanes)]
        steps = [Step("act", procs[k % lanes], {}, (k + 1,), 0.0, ("v",), ("v",)) for k in range(n_steps)]
        return Trace("long", vs, (0,), steps, processes=procs)

    def size(t: Trace) -> tuple[float, float]:
        root = _svg(t)
        return float(root.get("width")), float(root.get("height"))

    w20, h20 = size(trace(20, 6))
    w40, h40 = size(trace(40, 6))
    w80, h80 = size(trace(80, 6))
    assert w20 == w40 == w80
    assert h80 - h40 == 2 * (h40 - h20) > 0  # fixed row height
    assert size(trace(20, 8))[0] > w20


def _lane_widths(root: ET.Element) -> dict[str, float]:
    return {e.get("data-lane"): float(e.get("data-width"))
            for e in root.iter(f"{SVG_NS}line") if e.get("class") == "lifeline"}


def _step_groups(root: ET.Element) -> dict[int, ET.Element]:
    return {int(g.get("data-step")): g for g in root.iter(f"{SVG_NS}g")
            if "step" in g.get("class", "").split()}


_TEXT_PX = {"act": rs.LABEL_PX, "args": rs.SMALL_PX, "chg": rs.SMALL_PX, "num": rs.TINY_PX}


@pytest.mark.parametrize("which", ["stop", "handler", "com"])
def test_svg_nothing_cut_off(which, stop_trace, handler_trace, com_trace):
    """Every action, argument and change is shown in full, inside its box."""
    trace = {"stop": stop_trace, "handler": handler_trace, "com": com_trace}[which]
    root = _svg(trace)
    assert not [t for t in _texts(root) if "…" in t]
    groups = _step_groups(root)
    assert sorted(groups) == [k for k, s in enumerate(trace.steps, start=1) if s.process != "clock"]
    for k, g in groups.items():
        step = trace.steps[k - 1]
        [rect] = g.findall(f"{SVG_NS}rect")
        left, right = float(rect.get("x")), float(rect.get("x")) + float(rect.get("width"))
        shown = [(e.get("class"), e.text or "", float(e.get("x"))) for e in g.findall(f"{SVG_NS}text")]
        for cls, text, x in shown:  # by the same monospace estimate the layout uses
            assert left <= x and x + rs.text_w(text, _TEXT_PX[cls]) <= right + 0.5, (k, text)
        visible = " ".join(text for _, text, _ in shown)
        assert step.action in visible
        for name, value in step.args.items():
            assert f"{name}={value}" in visible, (k, name)
        for name, value in trace.changes(k - 1).items():  # short lists: nothing collapsed
            assert f"{name}={rs.format_value(value)}" in visible, (k, name)
        assert "more" not in visible
    # idle lanes are narrow, busy lanes within the maximum
    widths = _lane_widths(root)
    busy = {s.process for s in trace.steps}
    for lane, w in widths.items():
        assert w <= rs.BOX_MAX_W + rs.LANE_PAD
        if lane not in busy:
            assert w < rs.BOX_MIN_W, lane
    if which == "com":
        assert [lane for lane in widths if lane not in busy], "the COM trace has idle lanes"


def _lanes_trace(steps: list[tuple[str, str, dict, int]], lanes: list[str]) -> Trace:
    """A toy trace over 40 ints: (action, process, args, how many variables the step changes)."""
    vs = [VarInfo(f"var_{k:02d}", "int", 0, 9) for k in range(40)]
    out, state = [], (0,) * 40
    for n, (action, proc, args, changed) in enumerate(steps, start=1):
        state = tuple(n if k < changed else x for k, x in enumerate(state))
        out.append(Step(action, proc, args, state, 0.0, (), tuple(v.name for v in vs[:changed])))
    return Trace("lanes", vs, (0,) * 40, out, processes=lanes)


def test_svg_lane_widths_follow_content():
    long_name = "server_unlock_and_release_factory"
    args = {"k": 1, "s": 2, "c": 0, "flags": "REGCLS_SUSPENDED"}
    t = _lanes_trace([("go", "b", {}, 1), (long_name, "a", args, 1), ("server_exit", "a", {"s": 1}, 1)],
                     ["a", "b", "idle_lane"])
    root = _svg(t)
    w = _lane_widths(root)
    assert w["b"] == rs.BOX_MIN_W + rs.LANE_PAD  # short content: the minimum
    assert w["b"] < w["a"] <= rs.BOX_MAX_W + rs.LANE_PAD
    assert w["idle_lane"] < w["b"]
    assert "no steps" in [e.text for e in root.iter(f"{SVG_NS}text")]
    # the one-line label would be wider than BOX_PREF_W: name, then the arguments below it
    g = _step_groups(root)[2]
    texts = {e.get("class"): e.text for e in g.findall(f"{SVG_NS}text")}
    assert texts["act"] == long_name
    assert texts["args"] == "(k=1, s=2, c=0, flags=REGCLS_SUSPENDED)"
    # a label that fits stays on one line
    g3 = _step_groups(root)[3]
    assert [e.text for e in g3.findall(f"{SVG_NS}text") if e.get("class") == "act"] == ["server_exit(s=1)"]
    assert not [e for e in g3.findall(f"{SVG_NS}text") if e.get("class") == "args"]
    # a wider box in one lane does not move the others apart more than their own width
    lefts = {e.get("data-lane"): float(e.get("data-left"))
             for e in root.iter(f"{SVG_NS}line") if e.get("class") == "lifeline"}
    assert lefts["b"] == lefts["a"] + w["a"] and lefts["idle_lane"] == lefts["b"] + w["b"]


def test_svg_change_lines_and_row_heights():
    """Up to MAX_CHANGE_LINES lines in full, then "+N more"; box height set by its line count."""
    t = _lanes_trace([("one", "a", {}, 1), ("few", "a", {}, 5), ("many", "a", {}, 40), ("one_again", "a", {}, 1)],
                     ["a"])
    root = _svg(t)
    groups = _step_groups(root)

    def chg(k: int) -> list[str]:
        return [e.text for e in groups[k].findall(f"{SVG_NS}text") if e.get("class") == "chg"]

    def box(k: int) -> tuple[float, float]:
        [rect] = groups[k].findall(f"{SVG_NS}rect")
        return float(rect.get("y")), float(rect.get("height"))

    assert chg(1) == ["var_00=1"]
    few = chg(2)
    assert 1 < len(few) <= rs.MAX_CHANGE_LINES and "more" not in " ".join(few)
    assert ", ".join(few).split(", ") == [f"var_{k:02d}=2" for k in range(5)]
    many = chg(3)
    assert len(many) == rs.MAX_CHANGE_LINES
    shown = ", ".join(many).split(", ")
    hidden = int(re.fullmatch(r"\+(\d+) more", shown[-1]).group(1))
    assert shown[:-1] == [f"var_{k:02d}=3" for k in range(len(shown) - 1)]
    assert len(shown) - 1 + hidden == 40
    tip = groups[3].find(f"{SVG_NS}title").text
    assert all(f"var_{k:02d} = 3" in tip for k in range(40))  # the tooltip has the whole list
    # equal line counts, equal boxes; each further line adds LINE_H
    assert box(1)[1] == box(4)[1]
    assert box(2)[1] - box(1)[1] == rs.LINE_H * (len(few) - 1)
    assert box(3)[1] - box(1)[1] == rs.LINE_H * (len(many) - 1)
    # rows stack with a fixed gap
    for k in (1, 2, 3):
        assert box(k + 1)[0] - box(k)[0] == box(k)[1] + rs.ROW_GAP


def _held(root: ET.Element) -> list[dict]:
    """The held-value bars: their data-* attributes, bar rect and label text."""
    out = []
    for g in root.iter(f"{SVG_NS}g"):
        if g.get("class") != "held-span":
            continue
        [rect] = g.findall(f"{SVG_NS}rect")
        [text] = g.findall(f"{SVG_NS}text")
        out.append({**{k[5:]: v for k, v in g.attrib.items() if k.startswith("data-")},
                    "x": float(rect.get("x")), "w": float(rect.get("width")), "y1": float(rect.get("y")),
                    "y2": float(rect.get("y")) + float(rect.get("height")), "label": text.text,
                    "lx": float(text.get("x")), "ly": float(text.get("y"))})
    return out


def test_svg_held_value_in_the_com_race(com_trace):
    """Rule 004.8: client0 gets the factory at step 4 and holds it while the server exits."""
    t = com_trace
    step4 = t.steps[3]
    assert (step4.process, step4.action, t.changes(3)["factory[0]"]) == ("client0", "client_get_class_object", 1)
    assert "factory[0]" in t.focus and t.as_dict(t.final)["factory[0]"] == 1
    root = _svg(t)
    [span] = _held(root)
    assert {k: span[k] for k in ("lane", "var", "value", "since", "until")} == {
        "lane": "client0", "var": "factory[0]", "value": "1", "since": "4", "until": str(t.length)}
    assert span["label"] == "holds factory[0]=1 since step 4"
    # along client0's lifeline, from the bottom of step 4's box down past the top of the last box
    [life] = [e for e in root.iter(f"{SVG_NS}line") if e.get("class") == "lifeline" and e.get("data-lane") == "client0"]
    assert span["x"] + span["w"] / 2 == pytest.approx(float(life.get("x1")))
    groups = _step_groups(root)
    box4 = groups[4].find(f"{SVG_NS}rect")
    assert span["y1"] == pytest.approx(float(box4.get("y")) + float(box4.get("height")))
    last = groups[t.length].find(f"{SVG_NS}rect")
    assert span["y2"] == pytest.approx(float(last.get("y")) + float(last.get("height")))
    assert span["ly"] > span["y2"]  # labelled at its bottom
    assert any("held since that step" in x for x in _texts(root))  # in the legend


def test_svg_no_held_value_when_changed_by_the_last_step(stop_trace):
    """STOPPED is reported by the last step: nothing was held meanwhile."""
    assert "reported" in stop_trace.focus
    assert not _held(_svg(stop_trace))
    assert not any("held since that step" in x for x in _texts(_svg(stop_trace)))


def _held_toy(steps: list[tuple[str, str, tuple]], focus: list[str], init=(False, 0, 0, False)) -> Trace:
    """A toy over a bool, an int, an enum and a bool: (action, process, state after)."""
    vs = [VarInfo("flag", "bool"), VarInfo("count", "int", 0, 3), VarInfo("mode", "enum", 0, 2, ("A", "B", "C")),
          VarInfo("other", "bool")]
    return Trace("toy", vs, init, [Step(a, p, {}, st, 0.0, (), ()) for a, p, st in steps],
                 property="p", processes=["x", "y", "clock"], focus=focus)


def test_held_value_rule():
    set_early = [("x_set", "x", (True, 2, 1, False)),
                 ("y_a", "y", (True, 2, 1, True)),
                 ("y_b", "y", (True, 2, 1, False)),
                 ("y_c", "y", (True, 2, 1, True))]
    t = _held_toy(set_early, ["flag", "count", "mode", "other"])
    assert held_values(t) == [("flag", 1, True), ("count", 1, 2), ("mode", 1, "B")]  # other: changed last
    spans = _held(_svg(t))
    assert [(s["lane"], s["var"], s["since"], s["label"]) for s in spans] == [
        ("x", "flag", "1", "holds flag=true since step 1"), ("x", "count", "1", "holds count=2 since step 1"),
        ("x", "mode", "1", "holds mode=B since step 1")]
    # three bars on one lane: side by side, not on top of each other; labels do not overlap
    xs = sorted((s["x"], s["x"] + s["w"]) for s in spans)
    assert all(a[1] <= b[0] for a, b in zip(xs, xs[1:]))
    boxes = sorted((s["ly"], s["lx"], s["lx"] + rs.text_w(s["label"], rs.SMALL_PX)) for s in spans)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert a[0] != b[0] or a[2] <= b[1] or b[2] <= a[1], (a, b)
    # not set: false, zero, back to the initial value, or not in the focus
    unset = [("x_set", "x", (False, 0, 0, True)), ("y_a", "y", (False, 0, 0, True)),
             ("y_b", "y", (False, 0, 0, True))]
    assert not held_values(_held_toy(unset, ["flag", "count", "mode"], init=(True, 1, 0, False)))
    assert not _held(_svg(_held_toy(set_early, ["other"])))
    # changed only one row before the end: no "meanwhile"
    late = [("y_a", "y", (False, 0, 0, True)), ("x_set", "x", (True, 0, 0, True)), ("y_b", "y", (True, 0, 0, False))]
    assert held_values(_held_toy(late, ["flag"])) == [("flag", 2, True)]
    assert not _held(_svg(_held_toy(late, ["flag"])))
    # a change by the clock lane is time passing, never a held value
    ticked = [("tick", "clock", (False, 1, 0, False)), ("y_a", "y", (False, 1, 0, True)),
              ("y_b", "y", (False, 1, 0, False)), ("y_c", "y", (False, 1, 0, True))]
    assert not held_values(_held_toy(ticked, ["count"]))
    assert not _held(_svg(_held_toy(ticked, ["count"])))
    # a plain run (no violated property) has no focus and no bars
    plain = _held_toy(set_early, ["flag"])
    plain.property = None
    assert not _held(_svg(plain))


def test_svg_held_value_when_the_last_row_is_a_tick():
    t = _held_toy([("x_set", "x", (True, 0, 0, False)), ("y_a", "y", (True, 0, 0, True)),
                   ("tick", "clock", (True, 1, 0, True)), ("tick", "clock", (True, 2, 0, True))], ["flag"])
    root = _svg(t)
    [span] = _held(root)
    assert (span["since"], span["until"]) == ("1", "4")
    [rule] = [e for e in root.iter(f"{SVG_NS}line") if e.get("class") == "tick-rule"]
    assert span["y2"] == pytest.approx(float(rule.get("y1")))  # down to the time of the violation
    [bad] = [e for e in root.iter(f"{SVG_NS}text") if "once this time has passed" in (e.text or "")]
    assert span["ly"] > float(bad.get("y")) + 6  # the label is below the violation message


def test_wrap_items_never_loses_text():
    lines = rs.wrap_items(["server_unlock_and_release_factory", "x=1"], 12)
    assert all(len(line) <= 12 for line in lines)
    assert "".join(lines).replace(", ", "") == "server_unlock_and_release_factoryx=1"
    assert lines[0] == "server_"  # split after an underscore when there is one
    items = [f"v{k}=1" for k in range(30)]
    lines = rs.wrap_items(items, 20, 3)
    assert len(lines) == 3
    shown = ", ".join(lines).split(", ")
    assert shown[:-1] == items[: len(shown) - 1]
    assert int(shown[-1].split()[0][1:]) == 30 - (len(shown) - 1)
    assert rs.wrap_items(items[:4], 40, 3) == ["v0=1, v1=1, v2=1, v3=1"]


def test_svg_escapes_everything():
    vs = [VarInfo("a;b#c", "int", 0, 9), VarInfo("x<y>&\"z'", "enum", 0, 1, ("P%%Q", "R:S;T"))]
    steps = [Step("send <b>&amp;", "A&B<", {"i": "a;b"}, (1, 0), 0.0, (), ("a;b#c",)),
             Step("recv \"x\" --> %%", "end", {}, (1, 1), 0.0, ("a;b#c",), ("x<y>&\"z'",))]
    t = Trace("m&<>", vs, (0, 0), steps, property="p<&>;#", rules=["1;2"], engine="e\x01",
              processes=["A&B<", "end"])
    root = _svg(t)
    texts = " ".join(_texts(root))
    assert "A&B<" in texts and "p<&>;#" in texts and "send <b>&amp;" in texts
    ET.fromstring(render(t, "html").split('<div class="diagram">')[1].split("</div>")[0])
    mer = render(t, "mermaid")
    for line in mer.splitlines()[1:]:
        if line.strip().startswith("%%"):  # the comment line: Mermaid ignores the rest of it
            continue
        label = line.split(" as ", 1)[1] if line.strip().startswith("participant") else line.split(": ", 1)[1]
        assert not re.search(r"[;#%<>]", re.sub(r"#\w+;", "", label)), line


# ---------------------------------------------------------------- Mermaid, DOT, HTML


def test_mermaid(stop_trace, loaded_trace):
    text = render(stop_trace, "mermaid")
    assert text == render(loaded_trace, "mermaid")
    lines = text.splitlines()
    assert lines[0] == "sequenceDiagram"
    assert [ln.strip() for ln in lines if ln.strip().startswith("participant")] == [
        "participant P0 as scm", "participant P1 as dispatcher", "participant P2 as service_main",
        "participant P3 as worker[0]", "participant P4 as worker[1]"]
    body = [ln.strip() for ln in lines if re.match(r"\s+(P\d+->>P\d+|Note over)", ln)]
    assert len(body) == stop_trace.length + 1  # one line per step, then the violation
    for k, line in enumerate(body[:-1], start=1):
        assert line.split(": ", 1)[1].startswith(f"{k} "), line
    assert body[0].startswith("P0->>P0: 1 scm_send_stop")  # nothing caused the first step
    assert body[1].startswith("P0->>P1: 2 handler_accept_stop [control from step 1]")
    assert body[3].startswith("Note over P0,P4: 4 tick (t=10s)")
    assert body[-1].startswith(f"Note over P2: VIOLATED {PROP} (rules 000.3, 000.5)")


def test_mermaid_sanitise():
    assert sanitise("a;b#c%%d<e>") == "a#59;b#35;c#37;#37;d#lt;e#gt;"
    assert sanitise("two\nlines") == "two lines"


def test_dot(stop_trace):
    text = render(stop_trace, "dot")
    assert text.startswith("digraph trace {") and text.rstrip().endswith("}")
    assert text.count("{") == text.count("}")
    assert 's1 -> s2 [style=dashed, color="#1f5fbf", fontcolor="#1f5fbf", label="control"];' in text
    assert "s3 -> s5;" in text and "s5 -> s7;" in text and "s4 -> s6;" in text
    assert re.search(r's7 \[label="7  main_finish_work[^\n]*color="#c62828"', text)
    for k, lane in enumerate(["scm", "dispatcher", "service_main"]):
        assert f'subgraph cluster_{k} {{\n    label="{lane}"' in text
    # every node appears once as a declaration
    assert sorted(int(n) for n in re.findall(r"^\s+s(\d+) \[label=", text, re.M)) == list(range(8))


def test_html(stop_trace):
    page = render(stop_trace, "html")
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page
    low = page.lower()
    for bad in ("<script", "<link", "src=", "href=", "@import", "url(http"):
        assert bad not in low
    steps_table = page.split("<h2>Steps</h2>")[1].split("</table>")[0]
    assert steps_table.count("<tr") == 1 + stop_trace.length + 1  # header, init, steps
    assert 'class="violated"' in steps_table
    final = page.split("<h2>Final state")[1]
    for v in stop_trace.variables:
        assert f'<td class="code">{v.name}</td>' in final
    assert final.count('class="focus"') == len(stop_trace.focus) > 0


def test_bmc_trace_renders(stop_trace):
    t = _trace(STOP, PROP, engine=bmc)
    assert t.length == stop_trace.length
    g = trace_to_graph(t)
    assert g.nodes[t.length]["violated"]
    for fmt in ("svg", "dot", "mermaid", "html", "text"):
        assert render(t, fmt)


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed (optional)")
def test_dot_is_accepted_by_graphviz(stop_trace, tmp_path):
    path = tmp_path / "trace.dot"
    path.write_text(render(stop_trace, "dot"), encoding="utf-8")
    done = subprocess.run(["dot", "-Tsvg", str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    ET.fromstring(done.stdout)


@pytest.mark.parametrize("fmt", ["svg", "dot", "mermaid", "html", "text"])
def test_trace_without_steps_renders(fmt):
    """A property violated in the initial state: no steps, the init node is the bad one."""
    t = Trace("toy", [VarInfo("a", "bool")], (True,), [], property="p", processes=["x"])
    g = trace_to_graph(t)
    assert list(g.nodes) == [0] and g.nodes[0]["violated"]
    out = render(t, fmt)
    assert "p" in out
    if fmt == "svg":
        ET.fromstring(out)
