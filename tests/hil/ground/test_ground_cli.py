"""`farside ground yamcs`: what it writes from the bench, and the benches it refuses."""

from __future__ import annotations

import tomllib
from pathlib import Path

import yaml

from hil.cli import main


def test_the_instance_takes_its_figures_from_the_bench_and_the_ground_url(tmp_path: Path) -> None:
    bench = tmp_path / "bench.toml"
    bench.write_text('[scenario]\nname = "b"\n\n[bench.devices.relay.frames]\nground_format = "frames"\n'
                     'spacecraft_id = 300\ntm_frame_length = 892\ntc_vcid = 2\nfop_window = 3\n')
    assert main(["ground", "yamcs", str(tmp_path / "y"), str(bench), "--ground",
                 "udp://127.0.0.1:4001?bind=127.0.0.1:4002"]) == 0
    config = yaml.safe_load((tmp_path / "y/etc/yamcs.farside.yaml").read_text())
    tm, tc = config["dataLinks"]
    assert (tm["port"], tm["spacecraftId"], tm["frameLength"]) == (4001, 300, 892)
    assert [vc["vcId"] for vc in tm["virtualChannels"]] == [0, 1]
    assert not any(vc["packetPreprocessorArgs"]["checkSequence"] for vc in tm["virtualChannels"])  # split VCs
    assert (tc["host"], tc["port"], tc["spacecraftId"]) == ("127.0.0.1", 4002, 300)
    assert tc["virtualChannels"][0]["vcId"] == 2 and tc["virtualChannels"][0]["slidingWindowWidth"] == 3
    assert "cltuEncoding" not in tc  # this bench takes bare TC frames (ground_tc_format follows ground_format)
    assert not (tmp_path / "y/bench.toml").exists()


def test_with_no_bench_one_for_serve_is_written(tmp_path: Path) -> None:
    assert main(["ground", "yamcs", str(tmp_path)]) == 0
    frames = tomllib.loads((tmp_path / "bench.toml").read_text())["bench"]["devices"]["relay"]["frames"]
    assert frames == {"ground_format": "frames", "ground_tc_format": "cltu", "tc_randomize": True,
                      "vc_map": "single"}
    tm, tc = yaml.safe_load((tmp_path / "etc/yamcs.farside.yaml").read_text())["dataLinks"]
    assert {"cltuEncoding": "BCH", "cltuStartSequence": "EB90", "cltuTailSequence": "C5C5C5C5C5C5C579",
            "randomizeCltu": True}.items() <= tc.items()
    assert tm["port"] == 10015 and tm["virtualChannels"][0]["packetPreprocessorArgs"]["checkSequence"] is True
    assert (tmp_path / "mdb/farside.xml").read_text().startswith("<?xml")


def test_a_cadu_ground_or_a_ground_url_without_a_fixed_tc_port_is_refused(tmp_path: Path, capsys) -> None:
    bench = tmp_path / "bench.toml"
    bench.write_text('[scenario]\nname = "b"\n\n[bench.nodes]\nground = "udp://127.0.0.1:4001?bind=:4002"\n')
    assert main(["ground", "yamcs", str(tmp_path / "y"), str(bench)]) == 2
    assert 'ground_format = "frames"' in capsys.readouterr().err
    assert main(["ground", "yamcs", str(tmp_path / "z"), "--ground", "udp://127.0.0.1:4001"]) == 2
    assert "?bind=HOST:PORT" in capsys.readouterr().err and not (tmp_path / "z").exists()


def test_cltu_randomization_follows_the_bench(tmp_path: Path) -> None:
    bench = tmp_path / "bench.toml"
    bench.write_text('[scenario]\nname = "b"\n\n[bench.devices.relay.frames]\nground_format = "frames"\n'
                     'ground_tc_format = "cltu"\n')
    assert main(["ground", "yamcs", str(tmp_path / "y"), str(bench), "--ground",
                 "udp://127.0.0.1:4001?bind=127.0.0.1:4002"]) == 0
    tc = yaml.safe_load((tmp_path / "y/etc/yamcs.farside.yaml").read_text())["dataLinks"][1]
    assert tc["cltuEncoding"] == "BCH" and tc["randomizeCltu"] is False  # tc_randomize's default


def test_a_directory_that_cannot_take_the_instance_is_one_error_line_and_nothing_written(tmp_path: Path,
                                                                                          capsys) -> None:
    (tmp_path / "file").write_text("x")
    assert main(["ground", "yamcs", str(tmp_path / "file" / "sub")]) == 2
    assert capsys.readouterr().err == (f"farside: error: cannot write {tmp_path}/file/sub/bench.toml: "
                                       f"{tmp_path}/file is not a directory\n")
    blocked = tmp_path / "d1"
    (blocked / "etc" / "yamcs.yaml").mkdir(parents=True)
    (blocked / "bench.toml").write_text("mine")
    assert main(["ground", "yamcs", str(blocked)]) == 2
    assert capsys.readouterr().err == f"farside: error: cannot write {blocked}/etc/yamcs.yaml: it is a directory\n"
    assert (blocked / "bench.toml").read_text() == "mine"  # checked before anything was written
    assert sorted(p.name for p in blocked.rglob("*")) == ["bench.toml", "etc", "yamcs.yaml"]


def test_a_ground_url_that_binds_the_port_yamcs_listens_on_is_refused(tmp_path: Path, capsys) -> None:
    for url in ("udp://127.0.0.1:10015?bind=127.0.0.1:10015", "udp://127.0.0.1:4001?bind=:4001"):
        assert main(["ground", "yamcs", str(tmp_path / "y"), "--ground", url]) == 2
        err = capsys.readouterr().err
        assert err.startswith("farside: error: ") and "give ?bind another port" in err and err.count("\n") == 1
    assert not (tmp_path / "y").exists()


def test_a_bench_with_no_ground_node_gets_the_default_ground_url(tmp_path: Path, capsys) -> None:
    bench = tmp_path / "bench.toml"
    bench.write_text('[scenario]\nname = "b"\n\n[bench.devices.relay.frames]\nground_format = "frames"\n')
    assert main(["ground", "yamcs", str(tmp_path / "y"), str(bench)]) == 0
    tm, tc = yaml.safe_load((tmp_path / "y/etc/yamcs.farside.yaml").read_text())["dataLinks"]
    assert (tm["port"], tc["host"], tc["port"]) == (10015, "127.0.0.1", 10025)
    assert f"farside serve {bench} --ground 'udp://127.0.0.1:10015?bind=127.0.0.1:10025'" in capsys.readouterr().err
