"""Worksheets: any formula's circuit as an exercise, with numbered boxes to fill and a checker that hints.

:func:`worksheet` leaves chosen numbers of a graph out (its gradients, its values, or both):
each becomes a numbered box in the picture, and its answer goes into the key. Every box
knows how its number is made (a :class:`Step`): a gradient on a wire is the gradient that
arrived at the gate times the gate's local gradient (``product``); a node used more than once
sums what comes back along each use (``sum``); a value is its op applied to its inputs
(``op``). :meth:`Worksheet.check` compares a learner's numbers with the key and, for a wrong
one, names the step without giving the number away, and tells an error made earlier (a wrong
input to this step) apart from one made here. The saved HTML page does the same offline, from
the same steps (:mod:`micrograd.drawing.sheet`).

The answers are the backward trace's numbers (:func:`micrograd.backward_trace`): making or
checking a worksheet never changes a ``.grad``.
"""

from __future__ import annotations

from .boxes import Box, Given, Report, Step, Verdict
from .boxes import judge as judge
from .boxes import parse_number as parse_number
from .model import BLANKS, Worksheet, worksheet

__all__ = ["worksheet", "Worksheet", "Box", "Step", "Given", "Report", "Verdict", "BLANKS"]
