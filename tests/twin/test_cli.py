"""The command line: contract output, JSON, and one-line errors for bad arguments."""

import json
import subprocess
import sys

import pytest

from twin.cli import main

FAST = ["--samples", "200"]


def test_predict_domestic_text_table(capsys):
    """predict prints P10/P50/P90 of blocks, magnets and quality."""
    assert main(["predict", "--route", "domestic", *FAST]) == 0
    out = capsys.readouterr().out
    for text in (
        "P10",
        "P50",
        "P90",
        "sintered blocks [t/yr]",
        "finished magnets [t/yr]",
        "Br [T]",
        "Hcj [kA/m]",
        "bottleneck",
    ):
        assert text in out


def test_predict_tolled_json_is_one_object(capsys):
    """--json prints one JSON object with quantiles of throughput and quality."""
    assert main(["predict", "--route", "tolled", "--partner", "korea", "--json", *FAST]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["parameter_set"] == "tolled-korea"
    q = data["metrics"]["finished_t_per_yr"]
    assert q["p10"] <= q["p50"] <= q["p90"]
    assert {"br_t", "hcj_ka_per_m", "bh_max_kj_per_m3", "grade_share"} <= set(data["metrics"])


def test_compare_prints_both_routes_and_tornado(capsys):
    """compare shows both routes side by side and the ranked tornado."""
    assert main(["compare", *FAST, "--replications", "4"]) == 0
    out = capsys.readouterr().out
    assert "domestic" in out and "tolled-japan" in out
    assert "swing" in out


def test_compare_json_ranks_tornado(capsys):
    """The tornado rows are ranked by the size of their swing."""
    assert main(["compare", "--json", *FAST, "--replications", "4"]) == 0
    rows = json.loads(capsys.readouterr().out)["tornado"]["rows"]
    swings = [abs(r["swing"]) for r in rows]
    assert swings == sorted(swings, reverse=True)


def test_set_overrides_parameter_and_scenario(capsys):
    """--set fixes a parameter or a scenario field."""
    argv = ["predict", "--json", *FAST, "--set", "sinter_temp_c=1120", "--set", "horizon_days=30"]
    assert main(argv) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["scenario"]["horizon_days"] == 30
    assert data["metrics"]["hcj_ka_per_m"]["p50"] < 900


def test_sweep_json(capsys):
    """sweep runs every grid point and reports each."""
    argv = [
        "sweep",
        "--json",
        "--samples",
        "50",
        "--grid",
        "sinter_temp_c=1040,1060",
        "--grid",
        "horizon_days=30,60",
    ]
    assert main(argv) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["points"]) == 4


@pytest.mark.parametrize(
    "argv",
    [
        ["predict", "--route", "nowhere"],
        ["predict", "--samples", "0"],
        ["predict", "--samples", "many"],
        ["predict", "--set", "no_such_parameter=3"],
        ["predict", "--set", "sinter_temp_c=hot"],
        ["predict", "--grade", "N99"],
        ["predict", "--horizon-days", "99999"],
        ["predict", "--oxide-t-per-yr", "-5"],
        ["compare", "--partner", "mars"],
        ["sweep", "--grid", "sinter_temp_c=a,b"],
        ["sweep"],
        ["frobnicate"],
    ],
)
def test_bad_arguments_exit_2_with_one_line(argv, capsys):
    """Bad arguments: exit status 2 and a one-line error, no traceback."""
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "error:" in err.strip().splitlines()[-1]


def test_module_entry_point_runs():
    """python -m twin predict exits 0 and prints the table."""
    proc = subprocess.run(
        [sys.executable, "-m", "twin", "predict", "--samples", "100"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "finished magnets" in proc.stdout


@pytest.mark.parametrize(
    "argv",
    [
        ["predict", "--route", "tolled"],
        ["compare", "--replications", "2"],
        ["sweep", "--grid", "magnetizer_field_t=2.0,3.0"],
    ],
)
def test_plot_writes_a_png(argv, tmp_path, capsys):
    """--plot FILE.png writes a PNG for each command."""
    path = tmp_path / "out.png"
    assert main([*argv, "--samples", "60", "--horizon-days", "120", "--plot", str(path)]) == 0
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "plot written" in capsys.readouterr().err


def test_parameters_lists_units_and_sources(capsys):
    """parameters prints every entry with its unit and source; --json gives the entries."""
    assert main(["parameters", "--route", "tolled"]) == 0
    out = capsys.readouterr().out
    assert "sea_days" in out and "[vendor]" in out
    assert main(["parameters", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["sinter_temp_c"]["unit"] == "°C"
