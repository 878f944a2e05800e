"""The graph core's parts, re-exported by :mod:`micrograd.core` (import them from there).

``order``: the walks (topological order, the order an expression reads); ``grad_mode``:
``no_grad`` and whether ops record; ``copies``: copies and pickles of graphs of any depth;
``hooks``: PyTorch's tensor hooks as ``backward()`` runs them; ``scope``: the part of a
model that built a node (``micrograd.scope``).
"""
