"""Course formulas for the layout audit: the circuits lectures and textbooks draw, each a function
returning its output Value (labelled, not yet backpropagated).

Reading order is what a reader of the formula expects: the inputs top to bottom (left to right
in a top-to-bottom picture) in the order the formula names them, and every gate's arguments in
the order they are written.
"""

from __future__ import annotations

from collections.abc import Callable

from micrograd import Value, gallery


def _v(**values: float) -> list[Value]:
    return [Value(x, label=name) for name, x in values.items()]


def _out(f: Value, name: str = "f") -> Value:
    f.label = name
    return f


def sub_of_products() -> Value:
    a, b, c, d = _v(a=2.0, b=-3.0, c=1.5, d=4.0)
    return _out(a * b - c * d)


def div_of_products() -> Value:
    a, b, c, d = _v(a=2.0, b=-3.0, c=1.5, d=4.0)
    return _out((a * b) / (c * d))


def cs231n_staged() -> Value:
    """CS231n's staged example: (x + σ(y)) / (σ(x) + (x + y)²)."""
    x, y = _v(x=3.0, y=-4.0)
    return _out((x + y.sigmoid()) / (x.sigmoid() + (x + y) ** 2))


def logistic_regression_3() -> Value:
    """A loss over three points: w0, w1, b each used three times."""
    w0, w1, b = _v(w0=0.5, w1=-0.3, b=0.1)
    points = [((1.0, 2.0), 1.0), ((-1.5, 0.5), 0.0), ((0.3, -2.0), 1.0)]
    losses = []
    for (x0, x1), t in points:
        p = (w0 * x0 + w1 * x1 + b).sigmoid()
        losses.append(-(p.log()) if t else -((1 - p).log()))
    return _out(losses[0] + losses[1] + losses[2], "L")


def tanh_net_2_2_1() -> Value:
    """A 2-2-1 tanh net written gate by gate (the weights named by the wire they sit on)."""
    x1, x2, w11, w12, w21, w22, b1, b2, v1, v2, c = _v(
        x1=1.0, x2=-2.0, w11=0.5, w12=-0.4, w21=0.3, w22=0.8, b1=0.1, b2=-0.2, v1=1.2, v2=-0.7, c=0.05
    )
    h1 = (w11 * x1 + w12 * x2 + b1).tanh()
    h2 = (w21 * x1 + w22 * x2 + b2).tanh()
    return _out((v1 * h1 + v2 * h2 + c).tanh(), "y")


def softmax_cross_entropy() -> Value:
    """-log softmax(z)[0] over three scores."""
    z0, z1, z2 = _v(z0=1.0, z1=2.0, z2=-0.5)
    e0, e1, e2 = z0.exp(), z1.exp(), z2.exp()
    return _out(-(e0 / (e0 + e1 + e2)).log(), "L")


def tanh_neuron() -> Value:
    """The video's neuron: o = tanh(x1·w1 + x2·w2 + b)."""
    x1, x2, w1, w2, b = _v(x1=2.0, x2=0.0, w1=-3.0, w2=1.0, b=6.8813735870195432)
    return _out((x1 * w1 + x2 * w2 + b).tanh(), "o")


def video_first() -> Value:
    """The video's first expression: L = (a·b + c)·f."""
    a, b, c, f = _v(a=2.0, b=-3.0, c=10.0, f=-2.0)
    return _out((a * b + c) * f, "L")


def tanh_by_exp() -> Value:
    """tanh written out: (e^{2n} - 1) / (e^{2n} + 1), e used twice."""
    (n,) = _v(n=0.8814)
    e = (2 * n).exp()
    return _out((e - 1) / (e + 1), "o")


def mse_two_points() -> Value:
    """A line fitted to two points: ((w·x1 + b − y1)² + (w·x2 + b − y2)²) / 2."""
    w, b = _v(w=0.5, b=-1.0)
    return _out(((w * 2.0 + b - 1.0) ** 2 + (w * -1.0 + b - 0.5) ** 2) / 2, "L")


def polynomial() -> Value:
    (x,) = _v(x=1.5)
    return _out(x**3 - 2 * x + 1, "y")


def dot_product() -> Value:
    w0, x0, w1, x1, w2, x2, w3, x3 = _v(w0=1.0, x0=2.0, w1=-1.0, x1=0.5, w2=0.3, x2=-2.0, w3=2.0, x3=1.0)
    return _out(w0 * x0 + w1 * x1 + w2 * x2 + w3 * x3, "s")


def hinge() -> Value:
    w, x, b, y = _v(w=0.5, x=2.0, b=-0.3, y=1.0)
    return _out(Value(0.0).max(1 - y * (w * x + b)), "L")


def chained_division() -> Value:
    a, b, c = _v(a=6.0, b=2.0, c=-4.0)
    return _out(a / b / c - a)


def log_sum_exp() -> Value:
    a, b = _v(a=0.5, b=-1.0)
    return _out((a.exp() + b.exp()).log(), "y")


def square_difference() -> Value:
    x, y = _v(x=3.0, y=1.0)
    return _out((x - y) ** 2 + x * y)


def sigmoid_chain() -> Value:
    """Eight sigmoids in a row: a long chain."""
    (x,) = _v(x=0.5)
    y = x
    for _ in range(8):
        y = y.sigmoid()
    return _out(y, "y")


def net_2_2_1_sigmoid() -> Value:
    """A 2-2-1 net of sigmoids, gate by gate, the inputs used by both hidden units."""
    x0, x1, a, b, c, d, p, q = _v(x0=0.5, x1=-1.5, a=1.0, b=-1.0, c=0.5, d=2.0, p=1.5, q=-0.5)
    h0 = (a * x0 + b * x1).sigmoid()
    h1 = (c * x0 + d * x1).sigmoid()
    return _out(p * h0 + q * h1, "y")


def power_gate() -> Value:
    x, y = _v(x=2.0, y=3.0)
    return _out(x**y - y**x)


CORPUS: dict[str, Callable[[], Value]] = {
    "add_mul": gallery.add_mul,
    "sigmoid_neuron": gallery.sigmoid_neuron,
    "relu_neuron": gallery.relu_neuron,
    "max_gate": gallery.max_gate,
    "fork_a_plus_a": gallery.fork_a_plus_a,
    "fork_xy": gallery.fork_xy,
    "sub_of_products": sub_of_products,
    "div_of_products": div_of_products,
    "cs231n_staged": cs231n_staged,
    "logistic_regression_3": logistic_regression_3,
    "tanh_net_2_2_1": tanh_net_2_2_1,
    "softmax_cross_entropy": softmax_cross_entropy,
    "tanh_neuron": tanh_neuron,
    "video_first": video_first,
    "tanh_by_exp": tanh_by_exp,
    "mse_two_points": mse_two_points,
    "polynomial": polynomial,
    "dot_product": dot_product,
    "hinge": hinge,
    "chained_division": chained_division,
    "log_sum_exp": log_sum_exp,
    "square_difference": square_difference,
    "sigmoid_chain": sigmoid_chain,
    "net_2_2_1_sigmoid": net_2_2_1_sigmoid,
    "power_gate": power_gate,
}
