// MathJax for the notebooks' $...$ (their markdown cells only; the guide has no TeX). MathJax itself loads
// from a CDN in the reader's browser: the build needs no network, and offline the TeX shows as written.
window.MathJax = {
  tex: { inlineMath: [["$", "$"], ["\\(", "\\)"]], displayMath: [["$$", "$$"], ["\\[", "\\]"]] },
  options: { ignoreHtmlClass: ".*", processHtmlClass: "jupyter-wrapper" },
};
