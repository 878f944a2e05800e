"""The habits a PyTorch learner brings (issue 20, point 5), each held to PyTorch or to its documented behaviour.

Where ``torch`` is installed (the optional ``torch`` test extra) the same code runs on both and the
answers are compared; the tests that need it skip without it. The rest check what PyTorch's
documentation states (or what it gives, written down here), so they run everywhere.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from micrograd import Tensor, Value, backward_trace, gradcheck  # noqa: F401  (gradcheck: below)
from micrograd.graph.hooks import hooks_exist


def needs_torch():
    return pytest.importorskip("torch", reason="compares with PyTorch: install the optional extra (torch)")


def t64(torch, data, requires_grad: bool = True):
    return torch.tensor(np.asarray(data, dtype=np.float64), requires_grad=requires_grad)


@pytest.fixture
def removed():
    """Handles to remove after the test, so that no hook outlives it."""
    handles: list = []
    yield handles
    for handle in handles:
        handle.remove()


# ---------------------------------------------------------------- print(y) shows the op that made y


def test_a_value_s_repr_names_its_op_and_a_leaf_s_stays_the_tutorial_s():
    a, b = Value(2.0), Value(1.0)
    assert repr(a) == "Value(data=2.0, grad=0.0)"  # the tutorial's print, unchanged for leaves
    y = a + b
    assert repr(y) == "Value(data=3.0, grad=0.0, op='+')"
    y.label = "y"
    assert repr(y) == "Value(data=3.0, grad=0.0, op='+', label='y')"
    assert repr(a.tanh()).endswith("op='tanh')") and repr(a * 2).endswith("op='*')")
    assert "op=" not in repr(Value(2.0, requires_grad=False) * 3)  # no graph recorded: a leaf


def test_a_tensor_s_repr_names_its_op_as_pictures_show_it():
    w = Tensor([[1.0, 2.0]])
    assert repr(w) == "Tensor([[1., 2.]])"
    assert repr(w @ w.T) == "Tensor([[5.]], op='@')"
    assert repr(w.sum(0)) == "Tensor([1., 2.], op='sum(0)')"


def test_the_repr_shows_what_pytorch_s_grad_fn_shows():
    torch = needs_torch()
    pairs = {"+": ("AddBackward0", lambda a, b: a + b), "*": ("MulBackward0", lambda a, b: a * b)}
    pairs["@"] = ("MmBackward0", lambda a, b: a @ b)
    for op, (grad_fn, f) in pairs.items():
        ours = f(Tensor([[1.0, 2.0], [3.0, 4.0]]), Tensor([[0.5, 1.0], [1.5, 2.0]]))
        theirs = f(t64(torch, [[1.0, 2.0], [3.0, 4.0]]), t64(torch, [[0.5, 1.0], [1.5, 2.0]]))
        assert f"grad_fn=<{grad_fn}>" in repr(theirs) and f"op='{op}'" in repr(ours)
        leaf = t64(torch, [1.0])
        assert "grad_fn" not in repr(leaf) and "op=" not in repr(Tensor([1.0]))


# ---------------------------------------------------------------- requires_grad_, detach, retain_grad


@pytest.mark.parametrize("engine", [Value, Tensor])
def test_requires_grad_sets_a_leaf_s_flag_in_place_and_returns_it(engine):
    x = engine(2.0, requires_grad=False)
    assert x.requires_grad_() is x and x.requires_grad
    (x * 3).backward()
    assert float(np.asarray(x.grad)) == 3.0
    assert x.requires_grad_(False) is x and not x.requires_grad
    with pytest.raises(TypeError, match="bool"):
        x.requires_grad_(1)


@pytest.mark.parametrize("engine", [Value, Tensor])
def test_requires_grad_refuses_to_unflag_an_op_s_output_as_pytorch_does(engine):
    y = engine(2.0) * 3
    assert y.requires_grad_(True) is y  # already so: fine, as PyTorch
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad_(False)
    assert y.requires_grad


def test_requires_grad_on_a_non_leaf_is_refused_by_pytorch_too():
    torch = needs_torch()
    y = t64(torch, 2.0) * 3
    with pytest.raises(RuntimeError, match="only change requires_grad flags of leaf variables"):
        y.requires_grad_(False)
    with pytest.raises(TypeError, match="must be bool"):
        t64(torch, 2.0).requires_grad_(1)


@pytest.mark.parametrize("engine", [Value, Tensor])
def test_detach_is_a_new_leaf_with_the_same_data_that_needs_no_gradient(engine):
    x = engine(2.0)
    y = x * x
    d = y.detach()
    assert d is not y and d.is_leaf and not d.requires_grad and np.array_equal(d.data, y.data)
    (d * x).backward()  # the gradient stops at d: x gets d's value only, not 2·x·x as well
    assert float(np.asarray(x.grad)) == 4.0


def test_a_detached_tensor_is_a_copy_and_can_seed_a_backward_pass():
    x = Tensor([1.0, 2.0])
    y = x * 3
    d = y.detach()
    d.data[0] = 100.0  # nodes never share memory
    assert y.data[0] == 3.0
    y.backward(y.detach())  # the refused advice: t.detach() is now a seed
    np.testing.assert_array_equal(x.grad, [9.0, 18.0])


@pytest.mark.parametrize("engine", [Value, Tensor])
def test_retain_grad_is_a_no_op_because_interior_gradients_are_kept(engine):
    x = engine(3.0)
    y = x * x
    assert y.retain_grad() is None
    (y + 1).backward()
    assert float(np.asarray(y.grad)) == 1.0  # kept with or without retain_grad


# ---------------------------------------------------------------- backward(retain_graph=...), a node as seed


@pytest.mark.parametrize("engine", [Value, Tensor])
def test_backward_accepts_retain_graph_and_can_always_run_again(engine):
    x = engine(2.0)
    y = x * 5
    y.backward(retain_graph=True)
    y.backward(retain_graph=False)
    y.backward()
    assert float(np.asarray(x.grad)) == 15.0  # three passes accumulate, as PyTorch with retain_graph=True


def test_a_value_seeds_a_backward_pass_with_its_number():
    x = Value(2.0)
    (x * x).backward(Value(3.0))
    assert x.grad == 12.0


def test_a_tensor_seed_gives_pytorch_s_gradient():
    torch = needs_torch()
    w = np.array([[1.0, -2.0], [0.5, 3.0]])
    x = Tensor(w)
    (x * x).backward(Tensor([[1.0, 2.0], [3.0, 4.0]]))
    tx = t64(torch, w)
    (tx * tx).backward(t64(torch, [[1.0, 2.0], [3.0, 4.0]], requires_grad=False))
    np.testing.assert_array_equal(x.grad, tx.grad.numpy())


def test_a_seed_of_another_shape_is_refused():
    with pytest.raises(ValueError, match="shape"):
        (Tensor([1.0, 2.0]) * 2).backward(Tensor([1.0, 2.0, 3.0]))


# ---------------------------------------------------------------- register_hook


def graph_with_hooks(engine, hooks, removed):
    """f = (a·b + a)·c with a hook on a·b (interior), on a (a leaf used twice) and on f (the root)."""
    a, b, c = engine(2.0), engine(-3.0), engine(0.5)
    ab = a * b
    f = (ab + a) * c
    for node, hook in zip((ab, a, f), hooks, strict=True):
        if hook is not None:
            handle = node.register_hook(hook)
            if removed is not None:
                removed.append(handle)
    return (a, b, c, ab, f), f


def number(x) -> float:
    """A one-element gradient or node as a float: a float, an ndarray, a Value, a Tensor or a torch tensor."""
    x = getattr(x, "data", x) if isinstance(x, (Value, Tensor)) else x
    return float(x.item()) if hasattr(x, "item") else float(x)


def recorder(name, seen, scale=None):
    def hook(g):
        seen.append((name, number(g)))
        return None if scale is None else g * scale

    return hook


@pytest.mark.parametrize("engine", [Value, Tensor])
def test_a_hook_sees_the_complete_gradient_and_its_result_replaces_it(engine, removed):
    seen: list = []
    hooks = (recorder("ab", seen, 10.0), recorder("a", seen), recorder("f", seen))
    (a, b, c, ab, f), root = graph_with_hooks(engine, hooks, removed)
    root.backward()
    # df/d(ab) = c = 0.5, replaced by 5; so da = 5·b + c = -14.5, db = 5·a = 10; df/df = 1
    assert sorted(seen) == [("a", -14.5), ("ab", 0.5), ("f", 1.0)]
    grads = [float(np.asarray(n.grad)) for n in (a, b, c, ab)]
    assert grads == [-14.5, 10.0, -4.0, 5.0]  # ab's .grad is the replaced gradient (as PyTorch's retained grad)


def test_hooks_see_and_replace_what_pytorch_s_hooks_do(removed):
    torch = needs_torch()
    results = {}
    for name, engine in {"Value": Value, "Tensor": Tensor, "torch": lambda x: t64(torch, x)}.items():
        seen: list = []
        hooks = (recorder("ab", seen, 10.0), recorder("a", seen, -1.0), recorder("f", seen, 3.0))
        (a, b, c, ab, f), root = graph_with_hooks(engine, hooks, None if name == "torch" else removed)
        if name == "torch":
            ab.retain_grad()
        root.backward(retain_graph=True)
        first = [number(n.grad) for n in (a, b, c, ab)]
        root.backward()  # a second pass: leaves accumulate, each pass's gradient through the hooks
        # (an interior gradient is recomputed here, where PyTorch's retained one accumulates: compare leaves)
        results[name] = (sorted(seen), first, [number(n.grad) for n in (a, b, c)])
    assert results["Value"] == results["torch"] and results["Tensor"] == results["torch"]


@pytest.mark.parametrize("engine", [Value, Tensor])
def test_a_leaf_s_hook_gets_this_pass_s_gradient_before_it_accumulates(engine, removed):
    x = engine(3.0)
    seen: list = []
    removed.append(x.register_hook(recorder("x", seen)))
    (x * x).backward()
    (x * x).backward()
    assert seen == [("x", 6.0), ("x", 6.0)] and float(np.asarray(x.grad)) == 12.0


@pytest.mark.parametrize("engine", [Value, Tensor])
def test_a_removed_hook_is_not_called(engine):
    x = engine(3.0)
    seen: list = []
    handle = x.register_hook(recorder("x", seen))
    handle.remove()
    handle.remove()  # twice: nothing more
    (x * 2).backward()
    assert seen == [] and float(np.asarray(x.grad)) == 2.0


def test_hooks_are_looked_for_only_while_one_is_registered():
    x = Value(1.0)
    before = hooks_exist()
    handle = x.register_hook(lambda g: None)
    assert hooks_exist()
    handle.remove()
    assert hooks_exist() == before


@pytest.mark.parametrize("engine", [Value, Tensor])
def test_a_hook_needs_a_node_that_needs_a_gradient_and_a_function(engine):
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        engine(1.0, requires_grad=False).register_hook(lambda g: g)
    with pytest.raises(TypeError, match="function"):
        engine(1.0).register_hook(3.0)


def test_a_hook_s_result_must_be_a_gradient_of_the_node(removed):
    x = Tensor([1.0, 2.0])
    removed.append(x.register_hook(lambda g: np.ones(3)))
    with pytest.raises(ValueError, match="hook's result"):
        (x * 2).sum().backward()
    v = Value(1.0)
    removed.append(v.register_hook(lambda g: "0"))
    with pytest.raises(TypeError, match="hook's result"):
        (v * 2).backward()


@pytest.mark.parametrize("engine", [Value, Tensor])
def test_the_trace_pictures_read_shows_the_chain_rule_without_hooks(engine, removed):
    """Documented choice: hooks belong to backward(); the trace (pictures, explain) is the rules' own."""
    hooks = (lambda g: g * 10.0, None, None)
    (a, b, c, ab, f), root = graph_with_hooks(engine, hooks, removed)
    trace = backward_trace(root, np.ones_like(root.data) if engine is Tensor else None)
    assert float(np.asarray(trace.grad(ab))) == 0.5 and float(np.asarray(trace.grad(a))) == -1.0
    root.backward()
    assert float(np.asarray(ab.grad)) == 5.0 and float(np.asarray(a.grad)) == -14.5


def test_hooks_apply_when_backward_builds_a_graph(removed):
    x = Value(2.0)
    removed.append(x.register_hook(lambda g: g * 3))
    (x**3).backward(create_graph=True)
    assert isinstance(x.grad, Value) and x.grad.data == 36.0  # 3 · 3x²


def test_hooks_leave_gradients_bit_for_bit_where_they_change_nothing(removed):
    """With a hook registered somewhere, another graph's passes add up exactly as without one."""
    import random

    rng = random.Random(5)

    def run() -> list[float]:
        xs = [Value(rng.uniform(-1, 1)) for _ in range(4)]
        for _ in range(3):
            f = sum((x * y).tanh() for x in xs for y in xs) * xs[0]
            f.backward()
        return [x.grad for x in xs]

    state = rng.getstate()
    plain = run()
    rng.setstate(state)
    removed.append(Value(0.0).register_hook(lambda g: g))
    assert hooks_exist()
    assert run() == plain


# ---------------------------------------------------------------- float, int, bool, item and comparisons on a Tensor

ONE_ELEMENT = [[2.5], [[-1.5]], 0.0, [0.0], [-0.0], [3.7], [-3.7], [math.nan]]
MANY_OR_NONE = [[1.0, 2.0], [], [[1.0], [2.0]]]


@pytest.mark.parametrize("data", ONE_ELEMENT, ids=str)
def test_a_one_element_tensor_converts_as_pytorch_s(data):
    t = Tensor(data)
    expected = np.asarray(data, dtype=np.float64).reshape(())
    assert same(float(t), float(expected)) and same(t.item(), float(expected))
    assert bool(t) == bool(expected)  # bool(Tensor([0.])) is False; nan is True
    if not math.isnan(expected):
        assert int(t) == int(expected)  # toward zero


def test_conversions_agree_with_pytorch():
    torch = needs_torch()
    for data in ONE_ELEMENT:
        ours, theirs = Tensor(data), t64(torch, data, requires_grad=False)
        assert same(float(ours), float(theirs)) and same(ours.item(), theirs.item()) and bool(ours) == bool(theirs)
        if not math.isnan(float(theirs)):
            assert int(ours) == int(theirs)
    for data in MANY_OR_NONE:
        for convert in (float, lambda t: t.item(), bool):
            with pytest.raises((ValueError, RuntimeError)):
                convert(t64(torch, data, requires_grad=False))
            with pytest.raises(ValueError):
                convert(Tensor(data))


@pytest.mark.parametrize("data", MANY_OR_NONE, ids=str)
def test_more_elements_or_none_are_refused_as_pytorch_refuses_them(data):
    t = Tensor(data)
    with pytest.raises(ValueError, match="only one-element Tensors"):
        float(t)
    with pytest.raises(ValueError, match="only one-element Tensors"):
        t.item()
    with pytest.raises(ValueError, match="Boolean value of Tensor with (more than one value|no values) is ambiguous"):
        bool(t)


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))


COMPARISONS = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


@pytest.mark.parametrize("name", COMPARISONS)
def test_comparisons_are_elementwise_with_broadcasting_as_pytorch_s(name):
    compare = COMPARISONS[name]
    a = np.array([[1.0, -2.0, math.nan], [0.0, -0.0, 3.0]])
    b = np.array([1.0, 0.0, math.nan])
    expected = compare(a, b)  # numpy's answer, which is PyTorch's (checked below where torch is installed)
    for ours in (compare(Tensor(a), Tensor(b)), compare(Tensor(a), b), compare(a, Tensor(b)), compare(Tensor(a), 0.0)):
        assert isinstance(ours, np.ndarray) and ours.dtype == bool
    np.testing.assert_array_equal(compare(Tensor(a), Tensor(b)), expected)
    np.testing.assert_array_equal(compare(a, Tensor(b)), expected)  # numpy's side reaches the Tensor's
    np.testing.assert_array_equal(compare(Tensor(a), 0.0), compare(a, 0.0))
    np.testing.assert_array_equal(compare(0.0, Tensor(a)), compare(0.0, a))
    try:
        import torch
    except ImportError:
        return
    np.testing.assert_array_equal(compare(t64(torch, a), t64(torch, b)).numpy(), expected)


def test_a_comparison_is_a_mask_no_gradient_flows_through():
    x = Tensor([-1.0, 2.0, 3.0])
    mask = x > 0
    assert not isinstance(mask, Tensor)
    np.testing.assert_array_equal(x.data[mask], [2.0, 3.0])
    (x * mask).sum().backward()  # a constant array beside x
    np.testing.assert_array_equal(x.grad, [0.0, 1.0, 1.0])
    assert (Tensor([1.0, 2.0]) == Tensor([1.0, 3.0])).mean() == 0.5  # accuracy, as (pred == y).float().mean()
    assert (x == None) is False and (x != None) is True  # noqa: E711  (Python's answer for what is not numbers)
    with pytest.raises(TypeError, match="compares with numbers"):
        x < "a"  # noqa: B015


# ---------------------------------------------------------------- max, min, norm, softmax, log_softmax, dot, pow


def assert_gradcheck(f, inputs):
    result = gradcheck(f, [np.asarray(x, dtype=np.float64) for x in inputs])
    assert result, str(result)


SHAPES_AND_AXES = [((5,), None), ((5,), 0), ((3, 4), None), ((3, 4), 0), ((3, 4), 1), ((3, 4), -1), ((2, 3, 4), (0, 2))]


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize(("shape", "axis"), SHAPES_AND_AXES, ids=str)
@pytest.mark.parametrize("keepdims", [False, True])
def test_max_and_min_over_axes_match_numpy_and_central_differences(name, shape, axis, keepdims):
    x = np.random.default_rng(len(shape)).permutation(np.prod(shape)).reshape(shape) * 0.37 - 1.0  # no ties
    out = getattr(Tensor(x), name)(axis=axis, keepdims=keepdims)
    np.testing.assert_array_equal(out.data, getattr(np, name)(x, axis=axis, keepdims=keepdims))
    assert_gradcheck(lambda t: getattr(t, name)(axis=axis, keepdims=keepdims), [x])
    assert_gradcheck(lambda t: getattr(np, name)(t, axis=axis, keepdims=keepdims), [x])  # numpy's reaches it


@pytest.mark.parametrize("name", ["max", "min"])
def test_a_tie_splits_the_gradient_evenly_as_torch_amax_does(name):
    x = Tensor([[1.0, 3.0, 3.0], [-1.0, -1.0, -1.0]])
    getattr(x, name)(axis=1).sum().backward()
    share = {"max": [[0.0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]], "min": [[1.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3]]}
    np.testing.assert_allclose(x.grad, share[name])
    # two tied elements: central differences give each half, the even split
    assert_gradcheck(lambda t: getattr(t, name)(), [[2.0, 2.0, 1.0 if name == "max" else 3.0]])


def test_max_and_min_agree_with_torch_amax_and_amin_ties_and_nan_included():
    torch = needs_torch()
    cases = [[[1.0, 3.0, 3.0], [-1.0, -1.0, -1.0]], [[0.0, -0.0, -2.0], [5.0, math.nan, 1.0]]]
    seed = np.array([[0.5, -2.0, 1.5]]).T[:2]
    for data in cases:
        for name, torch_name in (("max", "amax"), ("min", "amin")):
            for axis in (None, 0, 1):
                ours, theirs = Tensor(data), t64(torch, data)
                o = getattr(ours, name)(axis=axis)
                t = getattr(theirs, torch_name)() if axis is None else getattr(theirs, torch_name)(dim=axis)
                np.testing.assert_array_equal(o.data, t.detach().numpy())
                g = np.ones_like(o.data) if axis is None else np.arange(1.0, o.data.size + 1) * seed.ravel()[0]
                o.backward(g)
                t.backward(torch.tensor(g))
                np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-15)


def test_max_of_a_tensor_and_a_tensor_is_the_elementwise_maximum_as_torch_max():
    a, b = Tensor([1.0, 5.0]), Tensor([3.0, 2.0])
    assert a.max(b).op == "max" and a.max(b).data.tolist() == [3.0, 5.0]
    assert a.min(np.array([0.0, 9.0])).data.tolist() == [0.0, 5.0]
    with pytest.raises(ValueError, match="empty"):
        Tensor(np.ones((0, 2))).max()


@pytest.mark.parametrize(("shape", "axis"), SHAPES_AND_AXES, ids=str)
@pytest.mark.parametrize("keepdims", [False, True])
def test_norm_is_the_l2_norm_with_its_gradient(shape, axis, keepdims):
    x = np.random.default_rng(7).normal(size=shape)
    out = Tensor(x).norm(axis=axis, keepdims=keepdims)
    expected = np.sqrt(np.sum(x * x, axis=axis, keepdims=keepdims))
    np.testing.assert_allclose(out.data, expected, rtol=1e-15)
    if axis is None or isinstance(axis, int):
        np.testing.assert_allclose(out.data, np.linalg.norm(x, axis=axis, keepdims=keepdims), rtol=1e-14)
    assert_gradcheck(lambda t: t.norm(axis=axis, keepdims=keepdims), [x])


def test_norm_s_gradient_at_zero_is_zero_as_pytorch_s():
    x = Tensor([[0.0, 0.0], [3.0, 4.0]])
    x.norm(axis=1).sum().backward()
    np.testing.assert_allclose(x.grad, [[0.0, 0.0], [0.6, 0.8]], rtol=1e-15)  # x · G/‖x‖: 3 · (1/5)
    assert (x.grad[0] == 0).all()
    with pytest.raises(ValueError, match="L2"):
        x.norm(1)


def test_norm_agrees_with_pytorch():
    torch = needs_torch()
    rng = np.random.default_rng(3)
    for data, axis in [(rng.normal(size=(4, 3)), None), (rng.normal(size=(4, 3)), 1), (np.zeros((2, 3)), 0)]:
        ours, theirs = Tensor(data), t64(torch, data)
        o = ours.norm(axis=axis)
        t = theirs.norm() if axis is None else theirs.norm(dim=axis)
        np.testing.assert_allclose(o.data, t.detach().numpy(), rtol=1e-15)
        g = rng.normal(size=o.shape)
        o.backward(g)
        t.backward(torch.tensor(g))
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-14, atol=0)


SOFTMAX_CASES = [((5,), -1), ((3, 4), 1), ((3, 4), 0), ((2, 3, 4), 1)]


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize(("shape", "axis"), SOFTMAX_CASES, ids=str)
def test_softmax_and_log_softmax_along_an_axis_match_the_formula_and_central_differences(name, shape, axis):
    x = np.random.default_rng(11).normal(size=shape) * 3
    e = np.exp(x)
    softmax = e / e.sum(axis=axis, keepdims=True)
    out = getattr(Tensor(x), name)(axis)
    np.testing.assert_allclose(out.data, softmax if name == "softmax" else np.log(softmax), rtol=1e-13, atol=1e-15)
    assert out.op.startswith(name) and len(out.parents) == 1  # fused: one node
    assert_gradcheck(lambda t: getattr(t, name)(axis), [x])


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_is_stable_where_exp_overflows(name):
    x = Tensor([[1000.0, 0.0, -1000.0], [-1e300, -1e300, 0.0]])
    out = getattr(x, name)(1)
    assert np.isfinite(out.data[:, :2]).all() or name == "log_softmax"
    expected = [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    np.testing.assert_allclose(np.exp(out.data) if name == "log_softmax" else out.data, expected, atol=1e-300)
    assert not np.isnan(out.data).any()
    out.backward(np.ones_like(out.data))
    assert not np.isnan(x.grad).any()


def test_softmax_and_log_softmax_agree_with_pytorch_values_and_gradients():
    torch = needs_torch()
    rng = np.random.default_rng(5)
    for shape, axis in [*SOFTMAX_CASES, ((2, 3), 1)]:
        data = rng.normal(size=shape) * 4
        data[0, ...] += 700.0  # large enough that exp overflows unless the max is taken out
        for name in ("softmax", "log_softmax"):
            ours, theirs = Tensor(data), t64(torch, data)
            o = getattr(ours, name)(axis)
            t = getattr(torch.nn.functional, name)(theirs, dim=axis)
            np.testing.assert_allclose(o.data, t.detach().numpy(), rtol=1e-13, atol=1e-300)
            g = rng.normal(size=shape)
            o.backward(g)
            t.backward(torch.tensor(g))
            np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_the_new_rules_build_graphs_that_pytorch_s_double_backward_agrees_with():
    torch = needs_torch()
    rng = np.random.default_rng(9)
    x0 = rng.normal(size=(3, 4))
    v = rng.normal(size=(3, 4))
    ops = {
        "softmax": (lambda t: t.softmax(1), lambda t: torch.softmax(t, 1)),
        "log_softmax": (lambda t: t.log_softmax(0), lambda t: torch.log_softmax(t, 0)),
        "norm": (lambda t: t.norm(axis=1), lambda t: t.norm(dim=1)),
        "max": (lambda t: t.max(axis=0) * t.max(axis=0), lambda t: t.amax(0) * t.amax(0)),
    }
    for name, (ours_f, torch_f) in ops.items():
        x = Tensor(x0)
        (ours_f(x) ** 2).sum().backward(create_graph=True)
        g = x.grad
        x.grad = None
        (g * v).sum().backward()  # a Hessian-vector product
        tx = t64(torch, x0)
        (tg,) = torch.autograd.grad((torch_f(tx) ** 2).sum(), tx, create_graph=True)
        (tg * torch.tensor(v)).sum().backward()
        np.testing.assert_allclose(g.data, tg.detach().numpy(), rtol=1e-12, err_msg=name)
        np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-10, atol=1e-12, err_msg=name)


def test_softmax_needs_one_axis():
    with pytest.raises(TypeError, match="one int"):
        Tensor([[1.0]]).softmax(None)
    with pytest.raises(ValueError, match="out of bounds"):
        Tensor([1.0, 2.0]).log_softmax(1)


DOTS = [((3,), (3,)), ((2, 3), (3, 4)), ((2, 3), (3,)), ((3,), (3, 2)), ((), (3, 2)), ((2, 2), ())]


@pytest.mark.parametrize(("sa", "sb"), DOTS, ids=str)
def test_dot_is_numpy_s_dot_with_its_gradient(sa, sb):
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=sa), rng.normal(size=sb)
    for out in (Tensor(a).dot(Tensor(b)), np.dot(Tensor(a), Tensor(b)), np.dot(a, Tensor(b)), Tensor(a).dot(b)):
        assert isinstance(out, Tensor) and out.parents
        np.testing.assert_allclose(out.data, np.dot(a, b), rtol=1e-14)
    assert_gradcheck(lambda x, y: x.dot(y), [a, b])
    assert_gradcheck(lambda x, y: np.dot(x, y), [a, b])


def test_cs231n_s_w_dot_x_trains_as_written():
    rng = np.random.default_rng(0)
    W, X = Tensor(rng.normal(size=(3, 5)) * 0.01), rng.normal(size=(5, 4))  # CS231n: scores = W.dot(X)
    scores = W.dot(X)
    assert scores.op == "@"
    np.dot(W, X).sum().backward()
    np.testing.assert_allclose(W.grad, np.ones((3, 4)) @ X.T)
    with pytest.raises(ValueError, match="@"):
        Tensor(np.ones((2, 2, 2))).dot(np.ones((2, 2)))


def test_dot_agrees_with_torch_dot_and_mm():
    torch = needs_torch()
    rng = np.random.default_rng(4)
    for sa, sb, f in [((3,), (3,), torch.dot), ((2, 3), (3, 4), torch.mm), ((2, 3), (3,), torch.mv)]:
        a, b = rng.normal(size=sa), rng.normal(size=sb)
        ours = [Tensor(a), Tensor(b)]
        theirs = [t64(torch, a), t64(torch, b)]
        o, t = ours[0].dot(ours[1]), f(*theirs)
        g = rng.normal(size=o.shape)
        o.backward(g)
        t.backward(torch.tensor(g))
        for x, tx in zip(ours, theirs, strict=True):
            np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-13)


@pytest.mark.parametrize("exponent", ["tensor", "array", "number"])
def test_pow_is_the_power_op_a_tensor_exponent_gets_a_gradient_too(exponent):
    rng = np.random.default_rng(6)
    x, y = rng.uniform(0.5, 2.0, (3, 2)), rng.uniform(-2.0, 2.0, (2,))
    if exponent == "tensor":
        assert_gradcheck(lambda a, b: a.pow(b), [x, y])
        assert_gradcheck(lambda a, b: np.power(a, b), [x, y])
    else:
        e = y if exponent == "array" else 1.5
        assert_gradcheck(lambda a: a.pow(e), [x])
    assert Tensor(x).pow(2.0).op == "**"


def test_pow_agrees_with_torch_pow():
    torch = needs_torch()
    rng = np.random.default_rng(8)
    x, y = rng.uniform(0.5, 2.0, (3, 2)), rng.uniform(-2.0, 2.0, (2,))
    ours, theirs = [Tensor(x), Tensor(y)], [t64(torch, x), t64(torch, y)]
    o, t = ours[0].pow(ours[1]), theirs[0].pow(theirs[1])
    np.testing.assert_allclose(o.data, t.detach().numpy(), rtol=1e-15)
    g = rng.normal(size=o.shape)
    o.backward(g)
    t.backward(torch.tensor(g))
    for a, ta in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a.grad, ta.grad.numpy(), rtol=1e-13)
