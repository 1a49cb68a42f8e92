"""Instance files are data, never code: allow-listed models and methods, checked args and options, sizes."""

import inspect
import re
from pathlib import Path

import pytest

from optmarkets.app import instances
from optmarkets.core.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
GLP_DATA = 'values = [1, 2]\nmass = [0.3, 0.7]\noutside_option = [0.3, 0.3]\ngamma_u = 0.8\n'


def write(tmp_path, text, name="inst.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def glp(tmp_path, solve='method = "platform_problem"\nargs = { q = [0.3, 0.7] }\n', top=""):
    return write(tmp_path, f'{top}model = "PersonalDataEconomy"\n[data]\n{GLP_DATA}[solve.P]\n{solve}')


@pytest.mark.parametrize("model", ['"grid"', '"sweep"', '"Model"', '"backends"', '"os.system"', "3", "[1]"])
def test_only_allow_listed_model_classes(tmp_path, model):
    path = write(tmp_path, f'model = {model}\n[data]\n[solve.P]\nmethod = "platform_problem"\n')
    with pytest.raises(InputError, match="model: unknown model class"):
        instances.load(path)


@pytest.mark.parametrize("method", ["__class__", "_platform_template", "solve", "__init__", "welfare", "nope", "3"])
def test_only_allow_listed_methods(tmp_path, method):
    with pytest.raises(InputError, match=r"\[solve\.P\]: method: .* has no method"):
        instances.load(glp(tmp_path, f'method = "{method}"\n'))


def test_solve_with_file_writing_options_is_refused(tmp_path):
    # the reported attack: method = "solve" handed args to the solver verbatim
    broker = ('model = "DataBroker"\n[data]\nvalues = [1, 2]\nvalue_probs = [0.5, 0.5]\ncosts = [0.25, 0.75]\n'
              'cost_probs = [0.5, 0.5]\n[solve.P]\nmethod = "solve"\n'
              f'args = {{ write_model_file = "{tmp_path}/m.mps", log_file = "{tmp_path}/h.log" }}\n')
    with pytest.raises(InputError, match="has no method 'solve'"):
        instances.load(write(tmp_path, broker)).run("P")
    for key in ("write_model_file", "log_file", "write_data_filename", "verbose", "solver"):
        with pytest.raises(InputError, match=rf"solver_options: \['{key}'\] not allowed"):
            instances.load(glp(tmp_path, top=f'solver_options = {{ {key} = "{tmp_path}/x" }}\n'))
    assert list(tmp_path.iterdir()) == [tmp_path / "inst.toml"]  # nothing was written


@pytest.mark.parametrize("value", ['"1e-8"', "true", "-1", "0", "nan", "inf", "[1]"])
def test_solver_options_are_positive_numbers(tmp_path, value):
    with pytest.raises(InputError, match=r"solver_options: tol: must be a positive number"):
        instances.load(glp(tmp_path, 'method = "platform_problem"\nargs = { q = [0.3, 0.7] }\n'
                                     f'solver_options = {{ tol = {value} }}\n'))


def test_solver_options_are_translated_for_each_solver_and_applied(tmp_path):
    assert instances.translate_solver_options({"tol": 1e-9, "time_limit": 5, "max_iters": 40}, "SCS") == {
        "tol": 1e-9, "time_limit_secs": 5.0, "max_iters": 40}
    assert instances.translate_solver_options({"time_limit": 5}, None) == {"time_limit": 5.0}
    assert instances.translate_solver_options({"max_iters": 7}, "SCIPY") == {"scipy_options": {"maxiter": 7}}
    with pytest.raises(InputError, match="time_limit"):
        instances.translate_solver_options({"time_limit": 5}, "ECOS")  # ECOS has no time limit
    solve = 'method = "platform_problem"\nargs = { q = [0.3, 0.7] }\nsolver_options = { max_iters = 3 }\n'
    inst = instances.load(glp(tmp_path, solve, top="solver_options = { tol = 1e-9 }\n"))
    assert inst.solve_options("P") == {"tol": 1e-9, "simplex_iteration_limit": 3, "ipm_iteration_limit": 3}
    assert inst.run("P").value == pytest.approx(0.24)


def test_args_are_checked_against_the_signature(tmp_path):
    with pytest.raises(InputError, match=r"args: platform_problem takes no \['qq'\]"):
        instances.load(glp(tmp_path, 'method = "platform_problem"\nargs = { qq = [0.3, 0.7] }\n')).run("P")
    with pytest.raises(InputError, match=r"args: platform_problem needs \['q'\]"):
        instances.load(glp(tmp_path, 'method = "platform_problem"\n')).run("P")
    with pytest.raises(InputError, match=r"args: competitive_prices takes no \['solver'\]"):
        instances.load(glp(tmp_path, 'method = "competitive_prices"\nargs = { q = [0.3, 0.7], solver = "SCS" }\n'
                           )).run("P")
    with pytest.raises(InputError, match=r"\[solve\.P\]: args: must be a table"):
        instances.load(glp(tmp_path, 'method = "platform_problem"\nargs = [1, 2]\n'))


def test_missing_and_unknown_keys(tmp_path):
    with pytest.raises(InputError, match="has no 'solve'"):
        instances.load(write(tmp_path, f'model = "PersonalDataEconomy"\n[data]\n{GLP_DATA}'))
    with pytest.raises(InputError, match=r"unknown keys \['plugin'\]"):
        instances.load(glp(tmp_path, top='plugin = "x.py"\n'))
    with pytest.raises(InputError, match=r"\[solve\.P\]: unknown keys \['module'\]"):
        instances.load(glp(tmp_path, 'method = "platform_problem"\nmodule = "os"\n'))
    with pytest.raises(InputError, match=r"\[solve\.P\]: has no 'method'"):
        instances.load(glp(tmp_path, 'args = { q = [0.3, 0.7] }\n'))
    with pytest.raises(InputError, match=r"data: PersonalDataEconomy takes no \['valuez'\]"):
        instances.load(write(tmp_path, 'model = "PersonalDataEconomy"\n[data]\nvaluez = [1]\n'
                                       '[solve.P]\nmethod = "first_best"\n')).build()
    with pytest.raises(InputError, match=r"data: PersonalDataEconomy needs \['mass', 'outside_option'\]"):
        instances.load(write(tmp_path, 'model = "PersonalDataEconomy"\n[data]\nvalues = [1]\n'
                                       '[solve.P]\nmethod = "first_best"\n')).build()
    with pytest.raises(InputError, match=r"check 0: solve: 'nope'"):
        instances.load(glp(tmp_path, 'method = "first_best"\n[[check]]\nquantity = "v"\nsolve = "nope"\n'))


def test_check_outputs_name_data_not_methods(tmp_path):
    inst = instances.load(glp(tmp_path, 'method = "platform_problem"\nargs = { q = [0.3, 0.7] }\n'
                                        '[[check]]\nquantity = "v"\nsolve = "P"\noutput = "__class__"\nexpected = 0\n'
                                        'source = "derived"\nwhere = "x"\nnote = "x"\n'))
    with pytest.raises(InputError, match="output"):
        inst.reproduce()


def test_a_huge_file_fails_fast_with_the_estimate_and_the_override(tmp_path):
    n = 20_000
    values = ", ".join(str(i + 1) for i in range(n))
    mass = ", ".join(["0.00005"] * n)
    path = write(tmp_path, f'model = "PersonalDataEconomy"\n[data]\nvalues = [{values}]\nmass = [{mass}]\n'
                           f'outside_option = [{mass}]\n[solve.P]\nmethod = "first_best"\n')
    with pytest.raises(InputError, match=r"size: .* 8e\+12 nonzeros .* n = 20000.* --max-size"):
        instances.load(path).run("P")  # refused by the estimate, before building (it took 21 s and 3.6 GB)
    small = glp(tmp_path, 'method = "platform_problem"\nargs = { q = [0.3, 0.7] }\n')
    with pytest.raises(InputError, match="size"):
        instances.load(small, max_size=7).run("P")  # 2 types: estimate 8
    assert instances.load(small, max_size=8).run("P").value == pytest.approx(0.24)


def test_allow_lists_name_public_methods_with_fixed_signatures():
    assert set(instances.METHODS) <= set(instances.MODELS) | set(instances.METHODS)
    for model, methods in instances.METHODS.items():
        cls = instances.MODELS.get(model)
        if cls is None:
            continue
        for name in methods:
            method = getattr(cls, name)
            assert not name.startswith("_") and callable(method), (model, name)
            kinds = {p.kind for p in inspect.signature(method).parameters.values()}
            assert inspect.Parameter.VAR_KEYWORD not in kinds, (model, name)  # no options passed through


@pytest.mark.parametrize("path", sorted((ROOT / "models").glob("*.toml")), ids=lambda p: p.stem)
def test_every_shipped_instance_file_is_valid(path):
    inst = instances.load(path)
    for name, spec in inst.solves.items():
        instances._method(inst.build(), inst.model, spec, name)  # allow-listed, args match the signature


# ---------------------------------------------------------------------- malformed files (issue 23, item 12)
CHECK = '[[check]]\nsolve = "P"\nquantity = "v"\nexpected = 1\nsource = "paper"\nwhere = "s"\n'


def test_deeply_nested_toml_is_a_named_error_not_a_recursion_error(tmp_path):
    path = write(tmp_path, "x = " + "[" * 5000 + "]" * 5000 + "\n", "deep.toml")
    with pytest.raises(InputError) as info:
        instances.load(path)
    assert str(info.value) == "instance: deep.toml: arrays or tables nested too deeply to read"


def test_a_check_of_an_unknown_price_family_lists_the_families(tmp_path):
    inst = instances.load(glp(tmp_path, 'method = "platform_problem"\nargs = { q = [0.3, 0.7] }\n'
                                        + CHECK + 'output = "prices.nope"\n'))
    with pytest.raises(InputError) as info:
        inst.reproduce()
    assert str(info.value) == ("inst.toml: check 0: output: 'prices.nope': the result has no price family 'nope'; "
                               "its families are ['prices.consistency', 'prices.obedience']")


def test_a_check_with_loc_on_a_number_is_a_named_error(tmp_path):
    inst = instances.load(glp(tmp_path, 'method = "platform_problem"\nargs = { q = [0.3, 0.7] }\n'
                                        + CHECK + 'output = "value"\nloc = [0]\n'))
    with pytest.raises(InputError) as info:
        inst.reproduce()
    assert str(info.value) == ("inst.toml: check 0: loc: output 'value' is one number (a float), not a table; "
                               "drop loc = [0]")
    bad_label = instances.load(glp(tmp_path, 'method = "platform_problem"\nargs = { q = [0.3, 0.7] }\n'
                                             + CHECK + 'output = "prices.consistency"\nloc = ["zz"]\n'))
    with pytest.raises(InputError, match=r"check 0: loc: \['zz'\] names no entry of 'prices.consistency' "
                                         r"\(KeyError: 'zz'\); its rows are \['1', '2'\]"):
        bad_label.reproduce()
    for loc, text in (("3", "3"), ("[]", "[]"), ("[{a = 1}]", "[{'a': 1}]")):
        with pytest.raises(InputError, match=rf"check 0: loc: must be a non-empty list of row/column labels, "
                                             rf"got {re.escape(text)}"):
            instances.load(glp(tmp_path, 'method = "first_best"\n' + CHECK + f"loc = {loc}\n"))


def test_payoffs_near_the_float_limit_are_refused_before_any_arithmetic(tmp_path):
    path = write(tmp_path, 'model = "FiniteGame"\n[data]\nplayers = ["a", "b"]\n'
                           'actions = {a = ["x", "y"], b = ["u", "v"]}\n'
                           'payoffs = {a = [[1.7e308, -1.7e308], [1, 1]], b = [[1, 1], [1, 1]]}\n'
                           '[solve.P]\nmethod = "correlated_equilibrium_problem"\n', "big.toml")
    with pytest.raises(InputError) as info:
        instances.load(path)
    assert str(info.value) == ("big.toml: data: payoffs.a[0][0]: 1.7e+308 is above 1e+150 in absolute value, the "
                               "largest number a file may hold")
    with pytest.raises(InputError, match=r"\[solve\.P\]: args: q\[1\]: nan is not finite"):
        instances.load(glp(tmp_path, 'method = "platform_problem"\nargs = { q = [0.3, nan] }\n'))


def test_max_iters_must_be_a_whole_number_in_range(tmp_path):
    with pytest.raises(InputError) as info:
        instances.load(glp(tmp_path, top="solver_options = {max_iters = 1e20}\n"))
    assert str(info.value) == ("inst.toml: solver_options: max_iters: must be a whole number from 1 to 2147483647, "
                               "got 1e+20")
    assert instances.load(glp(tmp_path, top="solver_options = {max_iters = 2147483647}\n")).solver_options == {
        "max_iters": 2147483647}


def test_a_check_naming_its_solve_by_a_list_is_a_named_error(tmp_path):
    # found by feeding malformed files to `optmarkets solve`: TypeError: unhashable type: 'list'
    with pytest.raises(InputError, match=r"check 0: solve: \['P'\] is not one of \['P'\]"):
        instances.load(glp(tmp_path, 'method = "first_best"\n' + CHECK.replace('solve = "P"', 'solve = ["P"]')))
    with pytest.raises(InputError, match=r"check 0: output: must be a string .*, got 3"):
        instances.load(glp(tmp_path, 'method = "first_best"\n' + CHECK + "output = 3\n"))
